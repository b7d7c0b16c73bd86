#pragma once
// Lenient readers for fields of the daemon's JSON answers.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>

namespace cc::ctl::client {

/// A new object that keeps its keys in insertion order, for output documents.
Poco::JSON::Object::Ptr orderedObject();

/// A field as text ("" when missing or null; numbers and booleans in their JSON form).
std::string text(const Poco::JSON::Object::Ptr& object, const std::string& key);
/// A numeric field; `fallback` when missing or not a number.
double number(const Poco::JSON::Object::Ptr& object, const std::string& key, double fallback = 0);
int64_t integer(const Poco::JSON::Object::Ptr& object, const std::string& key,
                int64_t fallback = 0);
bool flag(const Poco::JSON::Object::Ptr& object, const std::string& key, bool fallback = false);
/// A nested object or array; an empty one when missing or of another type.
Poco::JSON::Object::Ptr child(const Poco::JSON::Object::Ptr& object, const std::string& key);
Poco::JSON::Array::Ptr list(const Poco::JSON::Object::Ptr& object, const std::string& key);
/// The array's items that are objects, as objects.
Poco::JSON::Object::Ptr itemAt(const Poco::JSON::Array::Ptr& array, std::size_t index);

}  // namespace cc::ctl::client
