#include "http/exchange.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
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

// What a head reads as: the request line and every field in order, or what was thrown.
std::string readAs(const std::function<void(Poco::Net::HTTPRequest&)>& read) {
  Poco::Net::HTTPRequest request;
  try {
    read(request);
  } catch (const Poco::Exception& e) {
    return std::string("threw ") + e.className();
  }
  std::string out = request.getMethod() + "|" + request.getURI() + "|" + request.getVersion();
  for (const auto& [name, value] : request) out += "\n" + name + "=" + value;
  return out;
}

std::string pocoReads(const std::string& head) {
  return readAs([&](Poco::Net::HTTPRequest& r) {
    std::istringstream in(head);
    r.read(in);
  });
}

std::string weRead(const std::string& head) {
  return readAs([&](Poco::Net::HTTPRequest& r) { readRequestHead(head, r); });
}

TEST(RequestHeadTest, PlainHeadsAreReadInPlaceAsPocoReadsThem) {
  const std::string heads[] = {
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /api/agents?limit=5&q=a%20b HTTP/1.0\r\n\r\n",
      "POST /api/projects HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
      "Content-Length: 22\r\nAuthorization: Bearer abc.def\r\nX-Empty:\r\n"
      "X-Spaced: \t  padded value \t \r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n",
      "PATCH /a HTTP/1.1\r\nweird!#$%&'*+-.^_`|~name: ok\r\n\r\n",
  };
  for (const std::string& head : heads) {
    Poco::Net::HTTPRequest request;
    EXPECT_TRUE(readPlainRequestHead(head, request)) << head;
    EXPECT_EQ(weRead(head), pocoReads(head)) << head;
  }
}

TEST(RequestHeadTest, AnyOtherHeadIsLeftToPoco) {
  const std::string heads[] = {
      "\r\n\r\n",
      "\r\nGET / HTTP/1.1\r\n\r\n",                  // an empty line before the request line
      "GET  /two-spaces HTTP/1.1\r\n\r\n",           // two spaces
      "get /lower HTTP/1.1\r\n\r\n",                 // a method Poco reads but we do not
      "GET /x HTTP/2.0\r\n\r\n",                     // a version the plain reading does not take
      "GET /x HTTP/1.1\r\nFolded: a\r\n b\r\n\r\n",  // an obsolete line folding
      "GET /x HTTP/1.1\r\nEncoded: =?UTF-8?B?w6k=?=\r\n\r\n",
      "GET /x HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
      "GET /x HTTP/1.1\r\nBare: cr\rin it\r\n\r\n",
      "GET /x HTTP/1.1\r\nHigh: \xc3\xa9\r\n\r\n",
      "GET /x HTTP/1.1\r\nV: \v\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\n\r\n",  // more than a head
      "GET /x HTTP/1.1\nHost: x\n\n",                                  // bare line feeds
      std::string(33, 'A') + " /long-method HTTP/1.1\r\n\r\n",
      "GET /x HTTP/1.1\r\n" + std::string(257, 'n') + ": v\r\n\r\n",
      "GET /x HTTP/1.1\r\nLong: " + std::string(8190, 'v') + "    \r\n\r\n",
  };
  for (const std::string& head : heads) {
    Poco::Net::HTTPRequest request;
    EXPECT_FALSE(readPlainRequestHead(head, request)) << head;
    EXPECT_EQ(weRead(head), pocoReads(head)) << head;
  }
}

TEST(RequestHeadTest, AtPocosLimitsBothReadTheSame) {
  std::string many = "GET /x HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "F" + std::to_string(i) + ": v\r\n";
  const std::string heads[] = {
      many + "\r\n",
      many + "One-more: v\r\n\r\n",
      std::string(32, 'A') + " /x HTTP/1.1\r\n\r\n",
      "GET /x HTTP/1.1\r\n" + std::string(256, 'n') + ": v\r\n\r\n",
      "GET /x HTTP/1.1\r\nLong: " + std::string(8192, 'v') + "\r\n\r\n",
      "GET /x HTTP/1.1\r\nLong: " + std::string(8193, 'v') + "\r\n\r\n",
  };
  for (const std::string& head : heads) EXPECT_EQ(weRead(head), pocoReads(head)) << head.size();
}

// Heads changed at random places with the bytes that matter to a parser: whatever the plain
// reading takes, it reads as Poco does, and it throws nothing Poco would not.
TEST(RequestHeadTest, MutatedHeadsReadAsPocoReadsThem) {
  const std::string bases[] = {
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /api/agents HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-A: b c\r\n\r\n",
  };
  const std::string alphabet = std::string(" \t:\r\n=?Aa/%\x7f\x80\v\0", 15);
  std::mt19937 rng(20261203);
  int plain = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string head = bases[i % 2];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % head.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          head[at] = c;
          break;
        case 1:
          head.insert(head.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          head.erase(at, 1);
          break;
      }
    }
    // As the loop gives it: the bytes up to the first empty line.
    const std::size_t end = head.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    head.resize(end + 4);
    Poco::Net::HTTPRequest request;
    plain += readPlainRequestHead(head, request) ? 1 : 0;
    ASSERT_EQ(weRead(head), pocoReads(head)) << "case " << i << ": " << head;
  }
  EXPECT_GT(plain, 1000) << "the mutations left some heads plain";
}

}  // namespace
}  // namespace cc::http
