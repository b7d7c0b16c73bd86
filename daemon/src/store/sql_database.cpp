#include "store/sql_database.h"

namespace cc::store {

int64_t SqlDatabase::exec(Poco::Data::Session& session, const std::string& sql,
                          const sql::Params& params) {
  return static_cast<int64_t>(query(session, sql, params, {}));
}

int64_t SqlDatabase::scalar(Poco::Data::Session& session, const std::string& sql,
                            const sql::Params& params) {
  int64_t value = 0;
  query(session, sql, params, [&](const SqlRow& row) { value = row.integer(0); });
  return value;
}

void SqlDatabase::readListing(Poco::Data::Session& session, const sql::Listing& listing,
                              const RowHandler& row) {
  int64_t missing = listing.limit;
  for (auto& step : sql::listingSteps(listing)) {
    if (missing <= 0) break;
    step.query.params[step.limit_at] = missing;
    missing -= static_cast<int64_t>(query(session, step.query.sql, step.query.params, row));
  }
}

int64_t SqlDatabase::cappedCount(Poco::Data::Session& session, const std::string& select,
                                 const sql::Params& params, int64_t cap) {
  const sql::PageQuery q = sql::cappedCountQuery(select, params, cap);
  return scalar(session, q.sql, q.params);
}

int64_t SqlDatabase::searchCount(Poco::Data::Session& session, const NameSearch& search,
                                 int64_t cap) {
  return cappedCount(session, "SELECT 1 FROM " + search.count_from + " WHERE " + search.condition,
                     {search.value}, cap);
}

}  // namespace cc::store
