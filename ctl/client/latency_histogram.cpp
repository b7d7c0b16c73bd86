#include "client/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace cc::ctl::client {
namespace {

int highestBit(uint64_t v) { return 63 - __builtin_clzll(v); }

}  // namespace

std::size_t LatencyHistogram::indexOf(uint64_t micros) {
  micros = std::min(micros, kMaxTrackable);
  if (micros < static_cast<uint64_t>(2 * kHalf)) return static_cast<std::size_t>(micros);
  // Octave shift k keeps (micros >> k) in [kHalf, 2*kHalf): the top kSubBucketBits bits.
  int shift = highestBit(micros) - (kSubBucketBits - 1);
  return static_cast<std::size_t>(shift) * kHalf + static_cast<std::size_t>(micros >> shift);
}

uint64_t LatencyHistogram::highestIn(std::size_t index) {
  if (index < static_cast<std::size_t>(2 * kHalf)) return index;
  std::size_t shift = index / kHalf - 1;
  uint64_t sub = index - shift * kHalf;  // in [kHalf, 2*kHalf)
  return ((sub + 1) << shift) - 1;
}

uint64_t LatencyHistogram::bucketWidth(uint64_t micros) {
  std::size_t index = indexOf(micros);
  if (index < static_cast<std::size_t>(2 * kHalf)) return 1;
  return uint64_t{1} << (index / kHalf - 1);
}

void LatencyHistogram::record(uint64_t micros) {
  ++counts_[indexOf(micros)];
  ++count_;
  sum_ += micros;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (percent >= 100.0) return max_;
  percent = std::max(percent, 0.0);
  auto rank = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highestIn(i), min_, max_);
  }
  return max_;
}

}  // namespace cc::ctl::client
