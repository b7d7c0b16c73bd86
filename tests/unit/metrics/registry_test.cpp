#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

namespace cc::metrics {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  Registry registry_;
};

TEST_F(RegistryTest, TinyRegistryRendersExactText) {
  auto& requests = registry_.counterFamily("controlcenter_http_requests_total",
                                           "HTTP requests answered.", {"route", "method", "code"});
  requests.labels({"/api/agents", "GET", "200"}).inc();
  requests.labels({"/api/agents", "GET", "200"}).inc(2);
  requests.labels({"/api/agents", "POST", "429"}).inc();
  registry_.gauge("controlcenter_ws_clients", "Connected WebSocket clients.").set(3);
  auto& latency =
      registry_.histogram("controlcenter_db_query_seconds", "Query latency.", {0.01, 0.1, 1});
  latency.observe(0.005);
  latency.observe(0.01);  // on a bound: counted in that bound's bucket
  latency.observe(0.5);
  latency.observe(7);
  registry_.gaugeCallback("controlcenter_queue_length", "Queued connections.", [] { return 2; });

  EXPECT_EQ(
      registry_.render(),
      "# HELP controlcenter_db_query_seconds Query latency.\n"
      "# TYPE controlcenter_db_query_seconds histogram\n"
      "controlcenter_db_query_seconds_bucket{le=\"0.01\"} 2\n"
      "controlcenter_db_query_seconds_bucket{le=\"0.1\"} 2\n"
      "controlcenter_db_query_seconds_bucket{le=\"1\"} 3\n"
      "controlcenter_db_query_seconds_bucket{le=\"+Inf\"} 4\n"
      "controlcenter_db_query_seconds_sum 7.515\n"
      "controlcenter_db_query_seconds_count 4\n"
      "# HELP controlcenter_http_requests_total HTTP requests answered.\n"
      "# TYPE controlcenter_http_requests_total counter\n"
      "controlcenter_http_requests_total{route=\"/api/agents\",method=\"GET\",code=\"200\"} 3\n"
      "controlcenter_http_requests_total{route=\"/api/agents\",method=\"POST\",code=\"429\"} 1\n"
      "# HELP controlcenter_ws_clients Connected WebSocket clients.\n"
      "# TYPE controlcenter_ws_clients gauge\n"
      "controlcenter_ws_clients 3\n"
      "# HELP controlcenter_queue_length Queued connections.\n"
      "# TYPE controlcenter_queue_length gauge\n"
      "controlcenter_queue_length 2\n");
}

TEST_F(RegistryTest, LabelledHistogramPutsLeLast) {
  auto& family = registry_.histogramFamily("x_seconds", "X.", {"route"}, {0.5});
  family.labels({"/a"}).observe(0.25);
  family.labels({"/a"}).observe(2);
  EXPECT_EQ(registry_.render(),
            "# HELP x_seconds X.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{route=\"/a\",le=\"0.5\"} 1\n"
            "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n"
            "x_seconds_sum{route=\"/a\"} 2.25\n"
            "x_seconds_count{route=\"/a\"} 2\n");
}

TEST_F(RegistryTest, UnusedUnlabelledMetricsShowZeroAndLabelledFamiliesShowNothing) {
  registry_.counter("a_total", "A.");
  registry_.counterFamily("b_total", "B.", {"k"});
  EXPECT_EQ(registry_.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_total B.\n# TYPE b_total counter\n");
}

TEST_F(RegistryTest, EscapesLabelValuesAndHelp) {
  registry_.gaugeFamily("g", "Line one\nback\\slash", {"path"}).labels({"a\"b\\c\nd"}).set(1);
  EXPECT_EQ(registry_.render(),
            "# HELP g Line one\\nback\\\\slash\n"
            "# TYPE g gauge\n"
            "g{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_F(RegistryTest, ValueFormatting) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(1e20), "1e+20");
  EXPECT_EQ(formatValue(0.1), "0.1");
  EXPECT_EQ(formatValue(1.0 / 3), "0.33333333333333331");
  EXPECT_EQ(formatValue(INFINITY), "+Inf");
  EXPECT_EQ(formatValue(-INFINITY), "-Inf");
  EXPECT_EQ(formatValue(NAN), "NaN");
}

TEST_F(RegistryTest, ReRegisteringTheSameMetricReturnsIt) {
  auto& a = registry_.counter("c_total", "C.");
  auto& b = registry_.counter("c_total", "C.");
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(registry_.gauge("c_total", "C."), std::invalid_argument);
  EXPECT_THROW(registry_.counterFamily("c_total", "C.", {"x"}), std::invalid_argument);
}

TEST_F(RegistryTest, BadNamesAndBoundsAreProgrammingErrors) {
  EXPECT_THROW(registry_.counter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(registry_.counter("has-dash", "x"), std::invalid_argument);
  EXPECT_THROW(registry_.counterFamily("ok_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry_.histogramFamily("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry_.histogram("h2", "x", {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry_.histogram("h3", "x", {2, 1}), std::invalid_argument);
  auto& fam = registry_.counterFamily("f_total", "x", {"a", "b"});
  EXPECT_THROW(fam.labels({"only one"}), std::invalid_argument);
  EXPECT_EQ(registry_.render().find("h2"), std::string::npos);
}

TEST_F(RegistryTest, CountersNeverGoDownAndGaugesDo) {
  auto& c = registry_.counter("c_total", "C.");
  c.inc(2);
  c.inc(-5);
  EXPECT_DOUBLE_EQ(c.value(), 2);
  auto& g = registry_.gauge("g", "G.");
  g.inc(2);
  g.dec(5);
  EXPECT_DOUBLE_EQ(g.value(), -3);
}

TEST_F(RegistryTest, ConcurrentUpdatesAreNotLost) {
  auto& family = registry_.counterFamily("r_total", "R.", {"code"});
  auto& h = registry_.histogram("h_seconds", "H.", latencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        family.labels({std::to_string(200 + (i + t) % 3)}).inc();
        h.observe(0.02);
      }
    });
  }
  for (auto& t : threads) t.join();
  double total = 0;
  for (const auto& [values, counter] : family.children()) total += counter->value();
  EXPECT_DOUBLE_EQ(total, 40000);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative[1], 0u);      // le=0.01
  EXPECT_EQ(s.cumulative[2], 40000u);  // le=0.025
  EXPECT_NEAR(s.sum, 800, 1e-6);
}

}  // namespace
}  // namespace cc::metrics
