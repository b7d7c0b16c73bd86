#pragma once
// A fresh database directory per test under ::testing::TempDir(), a FakeClock, and a Store.

#include <gtest/gtest.h>
#include <unistd.h>

#include <Poco/File.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "store/store.h"

namespace cc::store {

using namespace domain;  // the store tests build and compare domain values

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = ::testing::TempDir() + "cc_store_" + info->test_suite_name() + "_" + info->name() + "_" +
           std::to_string(::getpid()) + "/";
    Poco::File dir(dir_);
    if (dir.exists()) dir.remove(true);
    dir.createDirectories();
    options_.path = dir_ + "controlcenter.db";
    options_.pool.min = 1;
    options_.pool.max = 8;
  }

  void TearDown() override {
    store_.reset();
    Poco::File dir(dir_);
    if (dir.exists()) dir.remove(true);
  }

  Store& open() {
    store_.reset();
    auto opened = Store::open(options_, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
    return *store_;
  }

  AgentInput agent(const std::string& name, AgentLevel level = AgentLevel::kL1,
                   const std::string& role = "worker") {
    AgentInput in;
    in.name = name;
    in.level = level;
    in.role = role;
    return in;
  }

  ProjectInput project(const std::string& name) {
    ProjectInput in;
    in.name = name;
    return in;
  }

  common::FakeClock clock_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
  std::string dir_;
};

}  // namespace cc::store
