#include "store/sql.h"

#include <Poco/Nullable.h>

namespace cc::store::sql {
namespace {

using Poco::Data::Keywords::bind;

void bindAll(Poco::Data::Statement& stmt, const Params& params) {
  for (const auto& p : params) {
    if (std::holds_alternative<int64_t>(p)) {
      stmt, bind(static_cast<Poco::Int64>(std::get<int64_t>(p)));
    } else if (std::holds_alternative<std::string>(p)) {
      stmt, bind(std::get<std::string>(p));
    } else {
      stmt, bind(Poco::Nullable<Poco::Int64>());
    }
  }
}

}  // namespace

int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  Poco::Data::Statement stmt(session);
  stmt << sql;
  bindAll(stmt, params);
  stmt.execute();
  return scalar(session, "SELECT changes()");
}

Poco::Data::RecordSet query(Poco::Data::Session& session, const std::string& sql,
                            const Params& params) {
  Poco::Data::Statement stmt(session);
  stmt << sql;
  bindAll(stmt, params);
  stmt.execute();
  return Poco::Data::RecordSet(stmt);
}

int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  Poco::Int64 value = 0;
  Poco::Data::Statement stmt(session);
  stmt << sql, Poco::Data::Keywords::into(value);
  bindAll(stmt, params);
  stmt.execute();
  return value;
}

int64_t lastInsertId(Poco::Data::Session& session) {
  return scalar(session, "SELECT last_insert_rowid()");
}

int64_t intAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  return rs.value(col, row).convert<Poco::Int64>();
}

std::optional<int64_t> optIntAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  if (rs.isNull(col, row)) return std::nullopt;
  return intAt(rs, col, row);
}

std::string textAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  if (rs.isNull(col, row)) return {};
  return rs.value(col, row).convert<std::string>();
}

std::string escapeLike(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void Where::add(const std::string& condition, Value value) {
  text += text.empty() ? " WHERE " : " AND ";
  text += condition;
  params.push_back(std::move(value));
}

PageQuery pageQuery(const std::string& select, const Where& where, const std::string& order_column,
                    bool descending, int64_t limit, int64_t offset) {
  PageQuery q{select + where.text + " ORDER BY " + order_column + (descending ? " DESC" : " ASC") +
                  ", id ASC LIMIT ? OFFSET ?",
              where.params};
  q.params.emplace_back(limit);
  q.params.emplace_back(offset);
  return q;
}

}  // namespace cc::store::sql
