#include "client/json_fields.h"

#include <Poco/Exception.h>

#include <sstream>

namespace cc::ctl::client {
namespace {

Poco::Dynamic::Var field(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return {};
  return object->get(key);
}

std::string scalarText(const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) return {};
  if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto array = value.extract<Poco::JSON::Array::Ptr>();
    std::string joined;
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (i > 0) joined += ",";
      joined += scalarText(array->get(i));
    }
    return joined;
  }
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    std::ostringstream out;
    value.extract<Poco::JSON::Object::Ptr>()->stringify(out);
    return out.str();
  }
  if (value.isBoolean()) return value.convert<bool>() ? "true" : "false";
  return value.toString();
}

}  // namespace

Poco::JSON::Object::Ptr orderedObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

std::string text(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return scalarText(field(object, key));
}

double number(const Poco::JSON::Object::Ptr& object, const std::string& key, double fallback) {
  auto value = field(object, key);
  if (value.isEmpty() || !(value.isNumeric() || value.isBoolean())) return fallback;
  try {
    return value.convert<double>();
  } catch (const Poco::Exception&) {
    return fallback;
  }
}

int64_t integer(const Poco::JSON::Object::Ptr& object, const std::string& key, int64_t fallback) {
  auto value = field(object, key);
  if (value.isEmpty() || !value.isNumeric()) return fallback;
  try {
    if (value.isInteger()) return value.convert<int64_t>();
    return static_cast<int64_t>(value.convert<double>());
  } catch (const Poco::Exception&) {
    return fallback;
  }
}

bool flag(const Poco::JSON::Object::Ptr& object, const std::string& key, bool fallback) {
  auto value = field(object, key);
  if (value.isEmpty() || !value.isBoolean()) return fallback;
  return value.convert<bool>();
}

Poco::JSON::Object::Ptr child(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  auto value = field(object, key);
  if (!value.isEmpty() && value.type() == typeid(Poco::JSON::Object::Ptr)) {
    return value.extract<Poco::JSON::Object::Ptr>();
  }
  return new Poco::JSON::Object;
}

Poco::JSON::Array::Ptr list(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  auto value = field(object, key);
  if (!value.isEmpty() && value.type() == typeid(Poco::JSON::Array::Ptr)) {
    return value.extract<Poco::JSON::Array::Ptr>();
  }
  return new Poco::JSON::Array;
}

Poco::JSON::Object::Ptr itemAt(const Poco::JSON::Array::Ptr& array, std::size_t index) {
  if (array.isNull() || index >= array->size()) return new Poco::JSON::Object;
  auto value = array->get(index);
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    return value.extract<Poco::JSON::Object::Ptr>();
  }
  return new Poco::JSON::Object;
}

}  // namespace cc::ctl::client
