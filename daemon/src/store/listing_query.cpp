#include "store/listing_query.h"

#include <limits>

namespace cc::store::sql {

Value toValue(const domain::SortKey& key) {
  if (const auto* n = std::get_if<int64_t>(&key)) return *n;
  return std::get<std::string>(key);
}

void Where::add(const std::string& condition, Value value) {
  text += text.empty() ? " WHERE " : " AND ";
  text += condition;
  params.push_back(std::move(value));
}

void Listing::setWindow(const domain::ListWindow& window) {
  limit = window.limit + 1;
  offset = window.offset;
  if (window.cursor) {
    after_key = toValue(window.cursor->key);
    after_id = window.cursor->id;
  }
}

std::vector<ListingStep> listingSteps(const Listing& l) {
  const char* dir = l.descending ? " DESC" : " ASC";
  const char* past = l.descending ? " < ?" : " > ?";
  const std::string head = "SELECT " + l.columns + " FROM " + l.from;
  auto where = [&](const std::string& extra) {
    std::string text = l.where.text;
    if (!extra.empty()) text += (text.empty() ? " WHERE " : " AND ") + extra;
    return text;
  };
  std::vector<ListingStep> out;
  if (l.key.empty()) {
    // Without a cursor the bound is the first id past either end, so the read is an index
    // range (SEARCH) like every later page.
    int64_t after = l.after_id.value_or(l.descending ? std::numeric_limits<int64_t>::max() : 0);
    PageQuery q{
        head + where(l.id_column + past) + " ORDER BY " + l.id_column + dir + " LIMIT ? OFFSET ?",
        l.where.params};
    q.params.emplace_back(after);
    q.params.emplace_back(l.limit);
    q.params.emplace_back(l.offset);
    out.push_back({std::move(q), l.where.params.size() + 1});
    return out;
  }
  const std::string order = " ORDER BY " + l.key + dir + ", " + l.id_column + dir;
  if (l.after_key && l.after_id) {
    PageQuery ties{head + where(l.key + " = ? AND " + l.id_column + past) + " ORDER BY " +
                       l.id_column + dir + " LIMIT ?",
                   l.where.params};
    ties.params.push_back(*l.after_key);
    ties.params.emplace_back(*l.after_id);
    ties.params.emplace_back(l.limit);
    const std::size_t ties_limit = ties.params.size() - 1;
    out.push_back({std::move(ties), ties_limit});
    PageQuery rest{head + where(l.key + past) + order + " LIMIT ?", l.where.params};
    rest.params.push_back(*l.after_key);
    rest.params.emplace_back(l.limit);
    const std::size_t rest_limit = rest.params.size() - 1;
    out.push_back({std::move(rest), rest_limit});
    return out;
  }
  PageQuery first{head + where("") + order + " LIMIT ? OFFSET ?", l.where.params};
  first.params.emplace_back(l.limit);
  first.params.emplace_back(l.offset);
  out.push_back({std::move(first), l.where.params.size()});
  return out;
}

PageQuery cappedCountQuery(const std::string& select, const Params& params, int64_t cap) {
  PageQuery q{"SELECT COUNT(*) FROM (" + select + " LIMIT ?) AS capped", params};
  q.params.emplace_back(cap);
  return q;
}

std::string setList(const std::vector<std::pair<const char*, Value>>& assignments, Params& params) {
  std::string set;
  for (const auto& [column, value] : assignments) {
    set += std::string(set.empty() ? "" : ", ") + column + " = ?";
    params.push_back(value);
  }
  return set;
}

}  // namespace cc::store::sql
