#include "commands/command_line.h"

#include <Poco/String.h>

#include <algorithm>
#include <sstream>

#include "client/duration.h"
#include "client/exit_code.h"
#include "common/spelling.h"
#include "config/key_table.h"

namespace cc::ctl {
namespace {

common::Error usage(const std::string& message) { return common::Error::badRequest(message); }

const OptionSpec* findOption(const std::vector<OptionSpec>& table, const std::string& name,
                             char short_name) {
  for (const auto& option : table) {
    if (short_name != 0 ? option.short_name == short_name : option.name == name) return &option;
  }
  return nullptr;
}

std::string optionName(const OptionSpec& option) { return "--" + option.name; }

// " (did you mean '--rule'?)" among the options a position accepts.
std::string optionHint(const std::string& name, const VerbSpec* verb) {
  std::vector<std::string_view> names;
  for (const auto& option : globalOptionTable()) names.emplace_back(option.name);
  if (verb != nullptr) {
    for (const auto& option : verb->options) names.emplace_back(option.name);
  }
  auto hint = common::closestSpelling(name, names);
  return hint ? " (did you mean '--" + *hint + "'?)" : std::string();
}

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : sep) + item;
  return text;
}

std::optional<std::string> checkValue(const OptionSpec& option, const std::string& value) {
  if (option.type == OptionType::kInt && !config::parseInt(value)) {
    return optionName(option) + " expects a whole number, got '" + value + "'";
  }
  if (option.type == OptionType::kDouble && !config::parseDouble(value)) {
    return optionName(option) + " expects a number, got '" + value + "'";
  }
  if (option.type == OptionType::kDuration && !client::parseDuration(value)) {
    return optionName(option) + " expects a duration such as 500ms, 30s or 2m, got '" + value + "'";
  }
  if (!option.choices.empty() &&
      std::find(option.choices.begin(), option.choices.end(), value) == option.choices.end()) {
    return optionName(option) + " must be one of " + joined(option.choices, ", ") + ", got '" +
           value + "'";
  }
  return std::nullopt;
}

std::vector<std::string> subsOf(const std::string& verb) {
  std::vector<std::string> subs;
  for (const auto& spec : verbTable()) {
    if (spec.verb == verb && !spec.sub.empty()) subs.push_back(spec.sub);
  }
  return subs;
}

void applyGlobal(client::GlobalOptions& global, const OptionSpec& option, const std::string& value,
                 CommandLine& line) {
  if (option.name == "url") global.url = value;
  if (option.name == "admin") global.admin = value;
  if (option.name == "token-file") global.token_file = value;
  if (option.name == "config") global.config = value;
  if (option.name == "output") {
    global.output = value == "json" ? client::OutputFormat::kJson : client::OutputFormat::kTable;
  }
  if (option.name == "timeout") global.timeout_ms = static_cast<int>(*config::parseInt(value));
  if (option.name == "help") line.help = true;
  if (option.name == "version") line.version = true;
}

}  // namespace

std::string Invocation::value(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}

int64_t Invocation::integer(const std::string& name, int64_t fallback) const {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  return config::parseInt(it->second).value_or(fallback);
}

double Invocation::real(const std::string& name, double fallback) const {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  return config::parseDouble(it->second).value_or(fallback);
}

std::chrono::milliseconds Invocation::duration(const std::string& name,
                                               std::chrono::milliseconds fallback) const {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  return client::parseDuration(it->second).value_or(fallback);
}

common::Result<const VerbSpec*> lookUpVerb(const std::string& verb, const std::string& sub,
                                           bool& sub_used) {
  const VerbSpec* spec = findVerb(verb, sub, sub_used);
  const auto subs = subsOf(verb);
  if (spec == nullptr && subs.empty()) {
    const auto words = verbWords();
    return usage("unknown verb '" + verb + "'" +
                 common::didYouMean(verb, {words.begin(), words.end()}) +
                 "; see controlcenterctl help");
  }
  if (spec == nullptr && sub.empty()) {
    return usage("'" + verb + "' needs one of: " + joined(subs, ", "));
  }
  if (!subs.empty() && !sub_used && !sub.empty()) {
    return usage("unknown '" + verb + "' sub-verb '" + sub + "'" +
                 common::didYouMean(sub, {subs.begin(), subs.end()}) +
                 "; expected one of: " + joined(subs, ", "));
  }
  return spec;
}

common::Result<CommandLine> parseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  std::vector<std::string> words;  // positional arguments after the verb (and sub-verb)
  std::vector<std::pair<const OptionSpec*, std::string>> verb_options;
  const VerbSpec* verb = nullptr;
  bool only_words = false;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!only_words && arg == "--") {
      only_words = true;
      continue;
    }
    if (only_words || arg.size() < 2 || arg[0] != '-') {
      if (verb != nullptr) {
        words.push_back(arg);
        continue;
      }
      // The verb; a sub-verb, when the verb has them, is the very next word.
      const std::string sub =
          i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-' ? args[i + 1] : "";
      bool sub_used = false;
      auto found = lookUpVerb(arg, sub, sub_used);
      if (!found.ok()) {
        // `user --help`: the general help, which lists every `user` sub-verb.
        if (line.help && sub.empty() && !subsOf(arg).empty()) continue;
        return found.error();
      }
      verb = found.value();
      if (sub_used) ++i;
      continue;
    }
    std::string name;
    char short_name = 0;
    std::optional<std::string> inline_value;
    if (arg[1] == '-') {
      name = arg.substr(2);
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
    } else {
      short_name = arg[1];
      if (arg.size() > 2) inline_value = arg.substr(2);
    }
    const std::string shown = short_name != 0 ? std::string("-") + short_name : "--" + name;
    // After its verb, a verb's option wins over a global one of the same name (`wait
    // --timeout` is the wait's; the per-request --timeout goes before the verb).
    const OptionSpec* option =
        verb != nullptr ? findOption(verb->options, name, short_name) : nullptr;
    const bool global = option == nullptr;
    if (option == nullptr) option = findOption(globalOptionTable(), name, short_name);
    if (option == nullptr) {
      const std::string hint = short_name != 0 ? "" : optionHint(name, verb);
      if (verb == nullptr) {
        return usage("unknown option " + shown + hint + " (verb options go after the verb)");
      }
      return usage("unknown option " + shown + hint + " for '" + verb->name() +
                   "'; usage: controlcenterctl " + verb->usage());
    }
    std::string value;
    if (option->type == OptionType::kFlag) {
      if (inline_value) return usage(optionName(*option) + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return usage(optionName(*option) + " needs a value (" + option->value_name + ")");
    }
    if (auto problem = checkValue(*option, value)) return usage(*problem);
    if (global) {
      applyGlobal(line.global, *option, value, line);
    } else {
      verb_options.emplace_back(option, value);
    }
  }

  if (line.global.timeout_ms <= 0) return usage("--timeout must be at least 1 ms");
  if (line.help || line.version) {
    line.invocation.verb = verb;
    return line;
  }
  if (verb == nullptr) return usage("no verb given; see controlcenterctl --help");

  Invocation& inv = line.invocation;
  inv.verb = verb;
  const std::string name = verb->name();
  if (words.size() < verb->min_args || words.size() > verb->max_args) {
    std::string expected =
        verb->min_args == verb->max_args
            ? std::to_string(verb->min_args)
            : std::to_string(verb->min_args) + " to " + std::to_string(verb->max_args);
    return usage("'" + name + "' takes " + expected + " argument" +
                 (verb->max_args == 1 ? "" : "s") + ", got " + std::to_string(words.size()) +
                 "; usage: controlcenterctl " + verb->usage());
  }
  if (!words.empty() && !verb->arg_choices.empty()) {
    // Case-insensitive, as an operator copies a level from a log line ("WARNING"); the verb
    // gets the spelling of the table.
    auto choice =
        std::find_if(verb->arg_choices.begin(), verb->arg_choices.end(),
                     [&](const std::string& c) { return Poco::icompare(c, words[0]) == 0; });
    if (choice == verb->arg_choices.end()) {
      return usage("'" + name + "' expects one of " + joined(verb->arg_choices, ", ") + ", got '" +
                   words[0] + "'");
    }
    words[0] = *choice;
  }
  inv.args = words;
  for (const auto& [option, value] : verb_options) inv.options[option->name] = value;
  for (const auto& option : verb->options) {
    if (option.required && !inv.has(option.name)) {
      return usage("'" + name + "' needs " + optionName(option) + " " + option.value_name +
                   "; usage: controlcenterctl " + verb->usage());
    }
  }
  return line;
}

std::string helpText() {
  std::ostringstream out;
  out << "Usage: controlcenterctl [OPTIONS] VERB [ARGS...]\n\n"
         "Operate a running controlcenterd through its public and admin APIs.\n"
         "controlcenterctl help VERB shows a verb's options and examples.\n\nVerbs:\n";
  std::size_t width = 0;
  for (const auto& spec : verbTable()) width = std::max(width, spec.usage().size());
  width = std::min<std::size_t>(width, 44);
  for (const auto& spec : verbTable()) {
    std::string use = spec.usage();
    out << "  " << use;
    if (use.size() > width) {
      out << "\n  " << std::string(width, ' ');
    } else {
      out << std::string(width - use.size(), ' ');
    }
    out << "  " << spec.summary << "\n";
  }
  out << "\nOptions:\n";
  for (const auto& option : globalOptionTable()) {
    std::string use = (option.short_name != 0 ? std::string("-") + option.short_name + ", "
                                              : std::string("    ")) +
                      optionName(option) +
                      (option.type == OptionType::kFlag ? "" : " " + option.value_name);
    out << "  " << use << std::string(use.size() < 24 ? 24 - use.size() : 1, ' ') << option.help
        << "\n";
  }
  out << "\nEnvironment: CONTROLCENTER_URL, CONTROLCENTER_ADMIN_URL, CONTROLCENTER_TOKEN_FILE\n"
         "Precedence: options > environment > --config > built-in defaults.\n\n"
         "Exit codes: 0 ok, 1 the daemon answered with a failure (or is unhealthy),\n"
         "2 unreachable, 3 usage error, 4 unauthorized (or unreadable token file),\n"
         "5 timed out waiting (wait).\n";
  return out.str();
}

std::string verbHelpText(const VerbSpec& spec) {
  std::ostringstream out;
  out << "Usage: controlcenterctl " << spec.usage() << "\n\n" << spec.summary << ".\n";
  if (!spec.arg_choices.empty()) {
    out << "\n" << spec.args << " is one of: " << joined(spec.arg_choices, ", ") << "\n";
  }
  if (!spec.options.empty()) {
    out << "\nOptions:\n";
    for (const auto& option : spec.options) {
      std::string use =
          optionName(option) + (option.type == OptionType::kFlag ? "" : " " + option.value_name);
      out << "  " << use << std::string(use.size() < 22 ? 22 - use.size() : 1, ' ') << option.help
          << (option.required ? " (required)" : "") << "\n";
    }
  }
  if (!spec.examples.empty()) {
    out << "\nExamples:\n";
    for (const auto& example : spec.examples) out << "  " << example << "\n";
  }
  out << "\nSee controlcenterctl help for the global options and exit codes.\n";
  return out.str();
}

}  // namespace cc::ctl
