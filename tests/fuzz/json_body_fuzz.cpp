// Request bodies through the JSON gate (checkJsonText, parseJsonObject) and on into the agent,
// project and user validators that POST and PATCH handlers run.

#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/agent.h"
#include "domain/input.h"
#include "domain/project.h"
#include "domain/user.h"
#include "fuzz_check.h"
#include "http/json_body.h"
#include "http/request_context.h"

namespace {

using cc::common::ErrorCode;

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool strictUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

cc::common::Result<Poco::JSON::Object::Ptr> parseBody(const std::string& body) {
  cc::http::RequestContext ctx;
  ctx.header_copies["content-type"] = "application/json; charset=utf-8";
  ctx.body = body;
  return cc::http::parseJsonObject(ctx);
}

// The error names the field; "" is a field name too ({"":1} is an unknown field).
void checkValidationError(const Poco::JSON::Object& body, const cc::common::Error& error) {
  FUZZ_CHECK(error.code == ErrorCode::kValidation);
  FUZZ_CHECK(!error.field.empty() || body.has(""));
  FUZZ_CHECK(!error.message.empty());
}

void checkAgent(const Poco::JSON::Object& body, bool partial) {
  auto input = cc::domain::parseAgentInput(body, partial);
  if (!input) return checkValidationError(body, input.error());
  FUZZ_CHECK(cc::domain::validateAgentInput(*input, partial).ok());
  if (!partial) FUZZ_CHECK(input->name && input->level && input->role);
  if (input->name) FUZZ_CHECK(cc::domain::textLength(*input->name) <= cc::domain::kMaxAgentName);
  if (input->metadata) {
    FUZZ_CHECK(input->metadata->size() <= cc::domain::kMaxMetadataBytes);
    FUZZ_CHECK(cc::domain::isJsonObjectText(*input->metadata));
    // What a later GET shows, the stored metadata inserted as it is, must itself be JSON a
    // client can read back.
    cc::domain::Agent agent;
    agent.metadata = *input->metadata;
    if (input->name) agent.name = *input->name;
    if (input->role) agent.role = *input->role;
    FUZZ_CHECK(cc::domain::isJsonObjectText(cc::domain::toJson(agent)));
  }
}

void checkProject(const Poco::JSON::Object& body, bool partial) {
  auto input = cc::domain::parseProjectInput(body, partial);
  if (!input) return checkValidationError(body, input.error());
  FUZZ_CHECK(cc::domain::validateProjectInput(*input, partial).ok());
  if (!partial) FUZZ_CHECK(input->name.has_value());
}

void checkUser(const Poco::JSON::Object& body, bool partial) {
  auto input = cc::domain::parseUserInput(body, partial);
  if (!input) return checkValidationError(body, input.error());
  if (!partial) FUZZ_CHECK(input->username && input->password);
  if (partial) FUZZ_CHECK(!input->username);
  if (input->username) FUZZ_CHECK(cc::domain::validateUsername(*input->username).ok());
  if (input->password) FUZZ_CHECK(cc::domain::validatePassword(*input->password).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  if (cc::http::checkJsonText(body).ok()) {
    FUZZ_CHECK(body.find('\0') == std::string::npos);
    FUZZ_CHECK(strictUtf8(body));
  }

  auto parsed = parseBody(body);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code == ErrorCode::kBadRequest);
    return 0;
  }
  FUZZ_CHECK(!parsed->isNull());

  // Whatever we accept, we can write back as JSON that we accept again, unchanged.
  const std::string text = cc::http::toJson(*parsed);
  auto again = parseBody(text);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(cc::http::toJson(*again) == text);

  for (bool partial : {false, true}) {
    checkAgent(**parsed, partial);
    checkProject(**parsed, partial);
    checkUser(**parsed, partial);
  }
  return 0;
}
