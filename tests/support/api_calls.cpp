#include "support/api_calls.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cc::testing {
namespace {

Poco::JSON::Array::Ptr arrayAt(const std::string& json, const std::string& array_path) {
  std::string text = jsonField(json, array_path);
  if (text.empty() || text.front() != '[') return nullptr;
  try {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
  } catch (const Poco::Exception&) {
    return nullptr;
  }
}

}  // namespace

std::map<std::string, std::string> jsonHeaders(const std::string& token) {
  std::map<std::string, std::string> h{{"Content-Type", "application/json"}};
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return h;
}

std::string mintToken(DaemonProcess& daemon, const std::string& role) {
  auto r = daemon.admin("POST", "/admin/tokens", R"({"role":")" + role + R"(","ttl_s":3600})");
  EXPECT_EQ(r.status, 201) << r.body;
  return jsonField(r.body, "token");
}

HttpResult createAgent(DaemonProcess& daemon, const std::string& token, const std::string& name) {
  return daemon.request("POST", "/api/agents",
                        R"({"name":")" + name + R"(","level":"L2","role":"builder"})",
                        jsonHeaders(token));
}

std::string loginToken(DaemonProcess& daemon, const std::string& username,
                       const std::string& password) {
  auto r = daemon.request("POST", "/api/auth/login",
                          R"({"username":")" + username + R"(","password":")" + password + "\"}",
                          jsonHeaders(""));
  return r.status == 200 ? jsonField(r.body, "token") : "";
}

std::string jsonArrayItem(const std::string& json, const std::string& array_path,
                          const std::string& field, const std::string& value) {
  auto array = arrayAt(json, array_path);
  if (!array) return "";
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto item = array->getObject(static_cast<unsigned>(i));
    if (item && item->has(field) && item->get(field).toString() == value) {
      std::ostringstream out;
      item->stringify(out);
      return out.str();
    }
  }
  return "";
}

int jsonArraySize(const std::string& json, const std::string& array_path) {
  auto array = arrayAt(json, array_path);
  return array ? static_cast<int>(array->size()) : -1;
}

std::string promtoolPath() {
  const char* env = std::getenv("CC_PROMTOOL");
  for (std::string path :
       {std::string(env == nullptr ? "" : env), std::string("/usr/bin/promtool")}) {
    if (!path.empty() && ::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cc::testing
