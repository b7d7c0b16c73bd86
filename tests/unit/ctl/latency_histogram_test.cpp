#include "client/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace cc::ctl::client {
namespace {

class CtlLatencyHistogramTest : public ::testing::Test {
 protected:
  // The exact percentile of sorted samples, by the same nearest-rank definition.
  static uint64_t exact(std::vector<uint64_t> samples, double percent) {
    std::sort(samples.begin(), samples.end());
    auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * samples.size()));
    return samples[std::max<std::size_t>(rank, 1) - 1];
  }
};

TEST_F(CtlLatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST_F(CtlLatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(95), 95u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST_F(CtlLatencyHistogramTest, PercentilesAreWithinBucketPrecision) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(8.0, 1.5);  // ~3 ms median, long tail
  std::vector<uint64_t> samples;
  LatencyHistogram h;
  for (int i = 0; i < 50000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng)) + 1;
    samples.push_back(v);
    h.record(v);
  }
  for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
    const uint64_t truth = exact(samples, p);
    const uint64_t got = h.percentile(p);
    EXPECT_GE(got, truth) << "p" << p;
    EXPECT_LT(got - truth, LatencyHistogram::bucketWidth(truth)) << "p" << p;
    EXPECT_LE(static_cast<double>(got - truth), truth / 64.0 + 1) << "p" << p;
  }
  EXPECT_EQ(h.percentile(100), *std::max_element(samples.begin(), samples.end()));
}

TEST_F(CtlLatencyHistogramTest, MaxIsExactEvenPastTheTrackableRange) {
  LatencyHistogram h;
  h.record(1000);
  h.record(123457);
  EXPECT_EQ(h.max(), 123457u);
  EXPECT_EQ(h.percentile(100), 123457u);
  EXPECT_LE(h.percentile(99), 123457u);  // never above the exact max
  const uint64_t huge = uint64_t{1} << 40;
  h.record(huge);
  EXPECT_EQ(h.max(), huge);
  EXPECT_EQ(h.count(), 3u);
}

TEST_F(CtlLatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a;
  LatencyHistogram b;
  LatencyHistogram all;
  for (uint64_t v = 1; v < 200000; v += 7) {
    (v % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double p : {1.0, 50.0, 95.0, 99.0, 100.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST_F(CtlLatencyHistogramTest, MemoryIsBoundedWhateverTheSampleCount) {
  EXPECT_LE(sizeof(LatencyHistogram), 16u * 1024u);
  EXPECT_EQ(LatencyHistogram::bucketCount(), 25u * 64u + 128u);
  LatencyHistogram h;
  for (uint64_t i = 0; i < 1000000; ++i) h.record(i % 5000000 + i);
  EXPECT_EQ(h.count(), 1000000u);
  EXPECT_EQ(LatencyHistogram::bucketWidth(100), 1u);
  EXPECT_EQ(LatencyHistogram::bucketWidth(200), 2u);
  EXPECT_EQ(LatencyHistogram::bucketWidth(1'000'000), 8192u);  // 2^19 <= v < 2^20
}

}  // namespace
}  // namespace cc::ctl::client
