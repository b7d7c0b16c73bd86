#pragma once
// Parses argv against the verb table: global options anywhere, verb options after the verb.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/settings.h"
#include "commands/verb_table.h"
#include "common/result.h"

namespace cc::ctl {

/// A verb with its arguments and options, already checked against its VerbSpec.
struct Invocation {
  const VerbSpec* verb = nullptr;
  std::vector<std::string> args;
  std::map<std::string, std::string> options;  // long name -> value ("" for flags)

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::string value(const std::string& name, const std::string& fallback = {}) const;
  /// Parsed value of a kInt/kDouble option (validated by the parser), or `fallback`.
  int64_t integer(const std::string& name, int64_t fallback) const;
  double real(const std::string& name, double fallback) const;
  /// Parsed value of a kDuration option, or `fallback`.
  std::chrono::milliseconds duration(const std::string& name,
                                     std::chrono::milliseconds fallback) const;
};

/// The whole command line. `help` with no verb asks for the general help; `help` with a verb for
/// that verb's help.
struct CommandLine {
  client::GlobalOptions global;
  Invocation invocation;
  bool help = false;
  bool version = false;
};

/// Parses the arguments after argv[0]. Every usage error (unknown verb or option, missing or
/// extra argument, a value of the wrong type, a value not among the choices) comes back as an
/// Error whose message names the problem.
common::Result<CommandLine> parseCommandLine(const std::vector<std::string>& args);

/// The spec of `verb` (with `sub` when it names one of its sub-verbs; `sub_used` says so). A
/// usage error with a did-you-mean hint for an unknown verb or sub-verb. Shared by the parser and
/// `help VERB`.
common::Result<const VerbSpec*> lookUpVerb(const std::string& verb, const std::string& sub,
                                           bool& sub_used);

/// The general help text (usage, verbs, global options, exit codes).
std::string helpText();
/// Help for one verb.
std::string verbHelpText(const VerbSpec& spec);

}  // namespace cc::ctl
