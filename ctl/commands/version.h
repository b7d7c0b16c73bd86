#pragma once
// What the ctl knows about itself without asking the daemon: its version and how it was built.

#include <Poco/JSON/Object.h>

namespace cc::ctl {

/// {"version":"0.9.0","compiler":"gcc 12.2.0","poco":"1.11.0","platform":"linux x86_64"}
Poco::JSON::Object::Ptr ctlBuildJson();

}  // namespace cc::ctl
