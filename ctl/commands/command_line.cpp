#include "commands/command_line.h"

#include <algorithm>
#include <sstream>

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
      verb = findVerb(arg, sub, sub_used);
      const auto subs = subsOf(arg);
      if (verb == nullptr && subs.empty()) {
        return usage("unknown verb '" + arg + "'; see controlcenterctl --help");
      }
      if (verb == nullptr && sub.empty()) {
        if (line.help) continue;
        return usage("'" + arg + "' needs one of: " + joined(subs, ", "));
      }
      if (!subs.empty() && !sub_used && !sub.empty()) {
        return usage("unknown '" + arg + "' sub-verb '" + sub +
                     "'; expected one of: " + joined(subs, ", "));
      }
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
    const OptionSpec* option = findOption(globalOptionTable(), name, short_name);
    const bool global = option != nullptr;
    if (option == nullptr && verb != nullptr) option = findOption(verb->options, name, short_name);
    if (option == nullptr) {
      if (verb == nullptr) {
        return usage("unknown option " + shown + " (verb options go after the verb)");
      }
      return usage("unknown option " + shown + " for '" + verb->verb +
                   (verb->sub.empty() ? "" : " " + verb->sub) + "'; usage: controlcenterctl " +
                   verb->usage());
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
  const std::string name = verb->verb + (verb->sub.empty() ? "" : " " + verb->sub);
  if (words.size() < verb->min_args || words.size() > verb->max_args) {
    std::string expected =
        verb->min_args == verb->max_args
            ? std::to_string(verb->min_args)
            : std::to_string(verb->min_args) + " to " + std::to_string(verb->max_args);
    return usage("'" + name + "' takes " + expected + " argument" +
                 (verb->max_args == 1 ? "" : "s") + ", got " + std::to_string(words.size()) +
                 "; usage: controlcenterctl " + verb->usage());
  }
  if (!words.empty() && !verb->arg_choices.empty() &&
      std::find(verb->arg_choices.begin(), verb->arg_choices.end(), words[0]) ==
          verb->arg_choices.end()) {
    return usage("'" + name + "' expects one of " + joined(verb->arg_choices, ", ") + ", got '" +
                 words[0] + "'");
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
         "Operate a running controlcenterd through its public and admin APIs.\n\nVerbs:\n";
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
         "2 unreachable, 3 usage error, 4 unauthorized (or unreadable token file).\n";
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
  out << "\nSee controlcenterctl --help for the global options and exit codes.\n";
  return out.str();
}

}  // namespace cc::ctl
