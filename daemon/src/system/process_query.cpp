#include "system/process_query.h"

#include <algorithm>
#include <charconv>

#include "common/clock.h"
#include "common/json_writer.h"

namespace cc::system {

using common::JsonWriter;
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool containsIgnoringCase(const std::string& haystack, const std::string& lowered_needle) {
  auto it = std::search(haystack.begin(), haystack.end(), lowered_needle.begin(),
                        lowered_needle.end(), [](char a, char b) { return lower(a) == b; });
  return it != haystack.end();
}

}  // namespace

common::Result<ProcessQuery> ProcessQuery::parse(const std::map<std::string, std::string>& params) {
  using common::Error;
  ProcessQuery q;
  auto find = [&](const char* name) -> const std::string* {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  };
  if (const std::string* sort = find("sort")) {
    if (*sort == "cpu") {
      q.sort = Sort::kCpu;
    } else if (*sort == "memory") {
      q.sort = Sort::kMemory;
    } else if (*sort == "pid") {
      q.sort = Sort::kPid;
    } else if (*sort == "name") {
      q.sort = Sort::kName;
    } else {
      return Error::invalid("sort",
                            "sort must be one of cpu, memory, pid, name; got '" + *sort + "'");
    }
  }
  q.descending = q.sort == Sort::kCpu || q.sort == Sort::kMemory;
  if (const std::string* order = find("order")) {
    if (*order == "asc") {
      q.descending = false;
    } else if (*order == "desc") {
      q.descending = true;
    } else {
      return Error::invalid("order", "order must be asc or desc; got '" + *order + "'");
    }
  }
  if (const std::string* limit = find("limit")) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), v);
    if (limit->empty() || ec != std::errc() || ptr != limit->data() + limit->size() || v < 1 ||
        v > kMaxLimit) {
      return Error::invalid("limit", "limit must be an integer from 1 to " +
                                         std::to_string(kMaxLimit) + "; got '" + *limit + "'");
    }
    q.limit = v;
  }
  if (const std::string* user = find("user")) q.user = *user;
  if (const std::string* text = find("q")) {
    q.text.reserve(text->size());
    for (char c : *text) q.text.push_back(lower(c));
  }
  return q;
}

ProcessSelection selectProcesses(const SystemSnapshot& snapshot, const ProcessQuery& query) {
  ProcessSelection out;
  std::vector<const ProcessInfo*>& list = out.processes;
  list.reserve(snapshot.processes.size());
  for (const ProcessInfo& p : snapshot.processes) {
    if (!query.user.empty() && p.user != query.user) continue;
    if (!query.text.empty() && !containsIgnoringCase(p.name, query.text) &&
        !containsIgnoringCase(p.cmdline, query.text)) {
      continue;
    }
    list.push_back(&p);
  }
  out.total = list.size();
  // Ties fall back to pid order so pages are stable between identical requests.
  auto key_less = [&](const ProcessInfo* a, const ProcessInfo* b) {
    switch (query.sort) {
      case ProcessQuery::Sort::kCpu:
        return a->cpu_percent < b->cpu_percent;
      case ProcessQuery::Sort::kMemory:
        return a->rss_bytes < b->rss_bytes;
      case ProcessQuery::Sort::kName:
        return a->name < b->name;
      case ProcessQuery::Sort::kPid:
        return false;
    }
    return false;
  };
  auto before = [&](const ProcessInfo* a, const ProcessInfo* b) {
    if (key_less(a, b)) return !query.descending;
    if (key_less(b, a)) return query.descending;
    return query.descending && query.sort == ProcessQuery::Sort::kPid ? a->pid > b->pid
                                                                      : a->pid < b->pid;
  };
  auto keep = std::min(list.size(), static_cast<std::size_t>(query.limit));
  std::partial_sort(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(keep), list.end(),
                    before);
  list.resize(keep);
  return out;
}

std::string processesJson(const SystemSnapshot& snapshot, const ProcessQuery& query) {
  ProcessSelection sel = selectProcesses(snapshot, query);
  std::string out;
  out.reserve(256 + sel.processes.size() * 256);
  JsonWriter w(out);
  w.beginObject()
      .key("sampled_at")
      .value(common::formatIsoTime(snapshot.sampled_at_ms))
      .key("total")
      .value(static_cast<uint64_t>(sel.total))
      .key("processes")
      .beginArray();
  for (const ProcessInfo* p : sel.processes) {
    w.beginObject()
        .key("pid")
        .value(p->pid)
        .key("ppid")
        .value(p->ppid)
        .key("name")
        .value(p->name)
        .key("user")
        .value(p->user)
        .key("state")
        .value(std::string_view(&p->state, 1))
        .key("cpu_percent")
        .value(p->cpu_percent)
        .key("rss_bytes")
        .value(p->rss_bytes)
        .key("memory_percent")
        .value(p->memory_percent)
        .key("threads")
        .value(p->threads)
        .key("started_at");
    if (p->started_at_ms > 0) {
      w.value(common::formatIsoTime(p->started_at_ms));
    } else {
      w.null();
    }
    w.key("cmdline").value(p->cmdline).endObject();
  }
  w.endArray().endObject();
  return out;
}

}  // namespace cc::system
