// A config file's text through the properties parser, the loader (key table, ${key} expansion,
// validation) and, when it loads cleanly, the components' own checks (as --check-config runs).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "app/daemon_settings.h"
#include "config/config.h"
#include "config/key_table.h"
#include "config/properties_parser.h"
#include "fuzz_check.h"

namespace {

using cc::config::Config;
using cc::config::ConfigLoader;
using cc::config::KeyType;

// The loader reads a file, so each input is written to one scratch file per process, removed
// again as soon as the loader has read it: a fuzzer ends with _exit, which runs no atexit.
const std::string& scratchFile() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/cc-config-fuzz-" +
           std::to_string(::getpid()) + ".properties";
  }();
  return path;
}

void checkParser(const std::string& text) {
  std::istringstream in(text);
  int last_line = 0;
  for (const auto& e : cc::config::parseProperties(in)) {
    FUZZ_CHECK(e.line > last_line);
    last_line = e.line;
    if (e.error.empty()) {
      FUZZ_CHECK(!e.key.empty());
      FUZZ_CHECK(e.key.find_first_of("=:") == std::string::npos);
      FUZZ_CHECK(e.key.front() != ' ' && e.key.back() != ' ');
    }
  }
}

// A clean load promises every typed getter works for every key.
void checkTypedGetters(const Config& config) {
  for (const auto& [key, entry] : config.entries()) {
    const auto* spec = cc::config::findKey(key);
    FUZZ_CHECK(spec != nullptr);
    switch (spec->type) {
      case KeyType::kInt:
        config.getInt(key);
        break;
      case KeyType::kBool:
        config.getBool(key);
        break;
      case KeyType::kDouble:
        config.getDouble(key);
        break;
      case KeyType::kList:
        config.getList(key);
        break;
      case KeyType::kString:
        config.getString(key);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  checkParser(text);

  {
    std::ofstream out(scratchFile(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  auto loaded = ConfigLoader::load(scratchFile(), {});
  std::remove(scratchFile().c_str());
  FUZZ_CHECK(loaded.config != nullptr);
  for (const auto& spec : cc::config::keyTable()) {
    if (spec.name.find('*') == std::string::npos) FUZZ_CHECK(loaded.config->has(spec.name));
  }
  FUZZ_CHECK(cc::config::diff(*loaded.config, *loaded.config).empty());
  // ${key} references may add at most 64 KiB to a value (more is a load problem): the
  // effective values stay linear in the file, never exponential.
  for (const auto& [key, entry] : loaded.config->entries()) {
    FUZZ_CHECK(entry.value.size() <= text.size() + 64 * 1024 + 4096);
  }
  if (!loaded.ok()) return 0;

  const Config& config = *loaded.config;
  checkTypedGetters(config);
  // Every component's settings, as start-up, --check-config and reload build them.
  auto built = cc::app::DaemonSettings::build(loaded.config);
  FUZZ_CHECK(built.ok() == built.problems.empty());

  // A reload onto the built-in defaults and back gives the same effective values.
  static const auto defaults = ConfigLoader::load("", {});
  FUZZ_CHECK(defaults.ok());
  auto there = ConfigLoader::withReloadable(*defaults.config, config);
  auto back = ConfigLoader::withReloadable(*there, *defaults.config);
  FUZZ_CHECK(cc::config::diff(*back, *defaults.config).empty());
  return 0;
}
