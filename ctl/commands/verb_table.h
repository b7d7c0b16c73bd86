#pragma once
// The one table of verbs and options: parsing, argument counts, --help and completion use it.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace cc::ctl {

class Context;
struct Invocation;

/// kDuration takes "500ms", "30s", "5m", "1h" or a bare number of seconds.
enum class OptionType { kFlag, kString, kInt, kDouble, kDuration };

/// A `--name [VALUE]` option. Values of kInt/kDouble/kDuration are checked when the command line
/// is parsed.
struct OptionSpec {
  OptionSpec(std::string option_name, char short_flag, OptionType option_type,
             std::string value_label, std::string help_text, bool is_required = false,
             std::vector<std::string> allowed = {})
      : name(std::move(option_name)),
        short_name(short_flag),
        type(option_type),
        value_name(std::move(value_label)),
        help(std::move(help_text)),
        required(is_required),
        choices(std::move(allowed)) {}

  std::string name;  // without dashes
  char short_name = 0;
  OptionType type = OptionType::kFlag;
  std::string value_name;  // "MS", "FILE"
  std::string help;
  bool required = false;
  std::vector<std::string> choices;  // when not empty, the only values accepted
};

using VerbRun = int (*)(Context& ctx, const Invocation& invocation);

/// One verb (or `verb sub`). The parser checks argument counts, options and choices here, so a
/// verb's run function only ever sees a well-formed invocation.
struct VerbSpec {
  std::string verb;
  std::string sub;           // empty for a verb without sub-verbs
  bool default_sub = false;  // `verb` alone means `verb sub`
  bool local = false;        // runs without the daemon: its settings are not even resolved
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  std::string args;                      // "NAME", "[LEVEL]"
  std::vector<std::string> arg_choices;  // when not empty, the first argument must be one
  std::string summary;
  std::vector<OptionSpec> options;
  std::vector<std::string> examples;  // command lines shown by `help VERB`
  VerbRun run = nullptr;

  /// "ratelimit reset" or "pool".
  std::string name() const { return sub.empty() ? verb : verb + " " + sub; }
  /// "ratelimit reset --rule R [--key K]"
  std::string usage() const;
};

/// Every verb, in help order. Immutable; thread-safe to read.
const std::vector<VerbSpec>& verbTable();
/// Options accepted before or after any verb.
const std::vector<OptionSpec>& globalOptionTable();

/// The verb spec for `verb` and an optional `sub` word; `sub_used` tells whether `sub` was
/// consumed. nullptr when nothing matches.
const VerbSpec* findVerb(const std::string& verb, const std::string& sub, bool& sub_used);

/// The distinct verb words ("health", "ratelimit", ...), in table order: for did-you-mean hints
/// and completion.
std::vector<std::string> verbWords();

}  // namespace cc::ctl
