#pragma once
// Log-linear latency histogram (HDR-style): bounded memory, mergeable, ~1.6% relative precision.

#include <array>
#include <cstdint>

namespace cc::ctl::client {

/// Counts latencies in microseconds. Values below 128 us are exact; above, each power-of-two
/// range is split into 64 equal buckets, so a reported percentile is at most 1/64 of the value
/// above the true one (and never above the exact maximum). Values past kMaxTrackable (about
/// 71 minutes) land in the top bucket; max() stays exact. Memory is fixed (about 14 KiB) whatever
/// the number of samples. Not thread-safe: give each thread its own and merge() after joining.
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 2^7 exact values, then 64 buckets per octave
  static constexpr uint64_t kMaxTrackable = (uint64_t{1} << 32) - 1;

  void record(uint64_t micros);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  /// The value at or below which `percent` (0..100) of the samples fall, within bucket precision;
  /// 0 when empty; percentile(100) is max().
  uint64_t percentile(double percent) const;

  /// Width of the bucket holding `micros`: the precision a percentile near it has.
  static uint64_t bucketWidth(uint64_t micros);
  static constexpr std::size_t bucketCount() { return kBuckets; }

 private:
  static constexpr int kHalf = 1 << (kSubBucketBits - 1);
  static constexpr int kTopShift = 32 - kSubBucketBits;  // octave shift of kMaxTrackable
  static constexpr std::size_t kBuckets = kTopShift * kHalf + 2 * kHalf;

  static std::size_t indexOf(uint64_t micros);
  static uint64_t highestIn(std::size_t index);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace cc::ctl::client
