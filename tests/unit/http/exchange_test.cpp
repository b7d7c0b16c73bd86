#include "http/exchange.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace cc::http {
namespace {

// The head as the Poco response gives it, the way answers were written before responseHead.
std::string pocoHead(const Reply& reply, const std::string& version, bool keep_alive,
                     const std::string& id, std::size_t length) {
  Poco::Net::HTTPResponse response;
  setResponseHead(response, reply, version, keep_alive, id);
  response.setContentLength(static_cast<std::streamsize>(length));
  std::ostringstream out;
  response.write(out);
  return out.str();
}

// responseHead against Poco; the Date may tick between the two, so either side of it counts.
void expectSameAsPoco(const Reply& reply, const std::string& version, bool keep_alive,
                      std::size_t length) {
  std::string before = pocoHead(reply, version, keep_alive, "rid", length);
  std::string ours = responseHead(reply, version, keep_alive, "rid", length);
  std::string after = pocoHead(reply, version, keep_alive, "rid", length);
  EXPECT_TRUE(ours == before || ours == after) << ours << "\n---\n" << before;
}

TEST(ResponseHeadTest, GivesTheExactBytesClientsGet) {
  Reply reply = Reply::json(200, "{}");
  reply.content_type = "application/health+json";
  reply.setHeader("Cache-Control", "no-store");
  std::string date = httpDate();
  std::string head = responseHead(reply, "HTTP/1.1", true, "0123abcd", 469);
  if (head.find(date) == std::string::npos) date = httpDate();  // the second ticked meanwhile
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\n"
            "Connection: Keep-Alive\r\n"
            "Date: " +
                date +
                "\r\n"
                "X-Request-ID: 0123abcd\r\n"
                "Content-Type: application/health+json\r\n"
                "Cache-Control: no-store\r\n"
                "Content-Length: 469\r\n"
                "\r\n");
  EXPECT_GE(head.capacity(), head.size() + 469) << "room for the body after it";
}

TEST(ResponseHeadTest, MatchesPocosResponseWhateverTheReply) {
  Reply plain = Reply::json(200, "{}");
  expectSameAsPoco(plain, "HTTP/1.1", true, 2);
  expectSameAsPoco(plain, "HTTP/1.1", false, 2);
  expectSameAsPoco(plain, "HTTP/1.0", true, 0);

  Reply none = Reply::noContent();  // no Content-Type at all
  none.setHeader("Allow", "GET, HEAD, OPTIONS");
  expectSameAsPoco(none, "HTTP/1.1", true, 0);

  for (int status : {201, 304, 401, 404, 405, 413, 429, 503, 504, 507, 299, 599}) {
    Reply r = Reply::json(status, "{}");
    r.setHeader("Retry-After", "1");
    expectSameAsPoco(r, "HTTP/1.1", status < 500, 2);
  }

  // A reply header that names one already set, in any case, keeps its place and takes its value.
  Reply clash = Reply::json(200, "x");
  clash.headers.emplace_back("content-type", "text/plain");
  clash.headers.emplace_back("CONNECTION", "upgrade");
  clash.headers.emplace_back("Vary", "Origin");
  clash.headers.emplace_back("vary", "Accept");
  clash.headers.emplace_back("Content-Length", "999");
  clash.headers.emplace_back("X-Request-Id", "theirs");
  clash.headers.emplace_back("Access-Control-Allow-Origin", "https://a.example");
  expectSameAsPoco(clash, "HTTP/1.1", true, 1);
  std::string head = responseHead(clash, "HTTP/1.1", true, "rid", 1);
  EXPECT_NE(head.find("\r\nContent-Type: text/plain\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 1\r\n"), std::string::npos) << head;
}

}  // namespace
}  // namespace cc::http
