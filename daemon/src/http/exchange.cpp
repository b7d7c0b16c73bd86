#include "http/exchange.h"

#include <Poco/Ascii.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <istream>
#include <random>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <poll.h>
#endif

#include "common/logging.h"
#include "common/unix_address.h"
#include "http/error_envelope.h"
#include "http/http_server.h"
#include "http/pipeline.h"

namespace cc::http {

const std::string& httpDate() {
  thread_local std::string cached;
  thread_local std::time_t cached_at = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    cached = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now),
                                             Poco::DateTimeFormat::HTTP_FORMAT);
    cached_at = now;
  }
  return cached;
}

std::string newRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  uint64_t a = rng();
  uint64_t b = rng();
  std::string id(32, '0');
  for (int i = 0; i < 16; ++i) {
    id[i] = hex[(a >> (i * 4)) & 0xF];
    id[16 + i] = hex[(b >> (i * 4)) & 0xF];
  }
  return id;
}

std::string requestIdFor(const std::string& client_value) {
  if (!client_value.empty() && client_value.size() <= 128) {
    bool sane = true;
    for (char c : client_value) {
      sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._:-", c));
    }
    if (sane) return client_value;
  }
  return newRequestId();
}

std::string peerIpOf(const Poco::Net::StreamSocket& socket) {
  try {
    const Poco::Net::SocketAddress peer = socket.peerAddress();
    if (!common::isUnixAddress(peer)) return peer.host().toString();
  } catch (const Poco::Exception&) {
    // Reset before the first request: it will fail to parse and end the connection anyway.
  }
  return "local";
}

namespace {

// Poco's limits (HTTPRequest, MessageHeader) for what the plain reading below takes.
constexpr std::size_t kMaxMethod = 32;
constexpr std::size_t kMaxFieldName = 256;
constexpr std::size_t kMaxFieldValue = 8192;
constexpr std::size_t kMaxFields = 100;

bool isTokenChar(char c) {
  return Poco::Ascii::isAlphaNumeric(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c));
}
bool isValueChar(char c) { return (c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t'; }

// The next line of `rest` without its CRLF; false when it has no CRLF or a lone CR or LF.
bool takeLine(std::string_view& rest, std::string_view& line) {
  const std::size_t end = rest.find("\r\n");
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 2);
  return line.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

bool readPlainRequestHead(std::string_view head, Poco::Net::HTTPRequest& request) {
  std::string_view line;
  if (!takeLine(head, line)) return false;
  const std::size_t sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos || sp1 > kMaxMethod) return false;
  const std::string_view method = line.substr(0, sp1);
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  const std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : uri) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version != Poco::Net::HTTPMessage::HTTP_1_1 && version != Poco::Net::HTTPMessage::HTTP_1_0) {
    return false;
  }
  struct Field {
    std::string_view name;
    std::string_view value;
  };
  thread_local std::vector<Field> fields;
  fields.clear();
  while (true) {
    if (!takeLine(head, line)) return false;
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon > kMaxFieldName) return false;
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!isTokenChar(c)) return false;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (value.size() > kMaxFieldValue) return false;  // Poco's limit is before its right trim
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.find("=?") != std::string_view::npos) return false;  // Poco decodes those words
    for (char c : value) {
      if (!isValueChar(c)) return false;
    }
    if (fields.size() == kMaxFields) return false;
    fields.push_back({name, value});
  }
  if (!head.empty()) return false;  // bytes past the empty line: not a head alone
  request.setMethod(std::string(method));
  request.setURI(std::string(uri));
  request.setVersion(std::string(version));
  for (const auto& f : fields) request.add(std::string(f.name), std::string(f.value));
  return true;
}

namespace {

// An istream over bytes in memory, made once per thread and pointed at each head Poco reads: a
// std::istream made for every request costs more than the parse itself (its locale set-up).
std::istream& streamOver(std::string_view bytes) {
  struct View : std::streambuf {
    void point(std::string_view b) {
      char* begin = const_cast<char*>(b.data());  // only read: an istream's get area is char*
      setg(begin, begin, begin + b.size());
    }
  };
  thread_local View view;
  thread_local std::istream in(&view);
  view.point(bytes);
  in.clear();
  return in;
}

}  // namespace

void readRequestHead(std::string_view head, Poco::Net::HTTPRequest& request) {
  if (readPlainRequestHead(head, request)) return;
  request.read(streamOver(head));
}

bool singleContentLength(const Poco::Net::HTTPRequest& request) {
  int count = 0;
  for (const auto& [name, value] : request) {
    if (Poco::icompare(name, "Content-Length") != 0) continue;
    if (++count > 1 || value.empty() ||
        value.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
  }
  return true;
}

bool peerStoppedSending(const Poco::Net::StreamSocket& socket) {
#ifdef POLLRDHUP
  pollfd p{socket.impl()->sockfd(), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
#else
  (void)socket;
  return false;
#endif
}

std::optional<Reply> startContext(RequestContext& ctx, const Poco::Net::HTTPRequest& request,
                                  const std::string& peer_ip, const ServerSettings& settings,
                                  const Pipeline& pipeline,
                                  std::optional<common::SteadyTime> began) {
  ctx.started = began.value_or(std::chrono::steady_clock::now());
  ctx.budget = std::chrono::milliseconds(settings.request_timeout_ms.load());
  ctx.deadline = ctx.started + ctx.budget;
  ctx.request = &request;
  ctx.request_id = requestIdFor(request.get("X-Request-ID", ""));
  ctx.method = request.getMethod();
  ctx.peer_ip = peer_ip;
  ctx.normalise(pipeline.clientResolver());

  const std::string& uri = request.getURI();
  std::size_t qmark = uri.find('?');
  try {
    Poco::URI::decode(uri.substr(0, qmark), ctx.path);
    if (qmark != std::string::npos) {
      ctx.raw_query = uri.substr(qmark + 1);
      decodeQuery(ctx.raw_query, ctx.query);
    }
  } catch (const Poco::Exception& e) {
    return errorReply(common::Error::badRequest("malformed URI: " + e.message()), ctx.request_id);
  }
  if (ctx.path.empty()) ctx.path = "/";
  if (ctx.path.front() != '/') {
    return errorReply(common::Error::badRequest("request target must be an absolute path"),
                      ctx.request_id);
  }
  return std::nullopt;
}

void setResponseHead(Poco::Net::HTTPResponse& response, const Reply& reply,
                     const std::string& version, bool keep_alive, const std::string& request_id) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setVersion(version);
  response.setKeepAlive(keep_alive);
  response.set("Date", httpDate());
  response.set("X-Request-ID", request_id);
  if (!reply.content_type.empty()) response.setContentType(reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
}

std::string responseHead(const Reply& reply, const std::string& version, bool keep_alive,
                         const std::string& request_id, std::size_t content_length) {
  using Header = std::pair<std::string_view, std::string_view>;
  // Poco's MessageHeader::set: a name already there (compared without case) keeps its place.
  thread_local std::vector<Header> headers;
  headers.clear();
  auto set = [](std::string_view name, std::string_view value) {
    for (auto& [n, v] : headers) {
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return Poco::Ascii::toLower(a) == Poco::Ascii::toLower(b);
          })) {
        v = value;
        return;
      }
    }
    headers.emplace_back(name, value);
  };
  set("Connection", keep_alive ? Poco::Net::HTTPMessage::CONNECTION_KEEP_ALIVE
                               : Poco::Net::HTTPMessage::CONNECTION_CLOSE);
  set("Date", httpDate());
  set("X-Request-ID", request_id);
  if (!reply.content_type.empty()) set("Content-Type", reply.content_type);
  for (const auto& [name, value] : reply.headers) set(name, value);
  char length[24];
  const auto length_end = std::to_chars(length, length + sizeof length, content_length).ptr;
  set("Content-Length", std::string_view(length, static_cast<std::size_t>(length_end - length)));

  const std::string& reason = Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  char status[16];
  const auto status_end = std::to_chars(status, status + sizeof status, reply.status).ptr;
  std::size_t size =
      version.size() + 1 + static_cast<std::size_t>(status_end - status) + 1 + reason.size() + 4;
  for (const auto& [name, value] : headers) size += name.size() + 2 + value.size() + 2;
  std::string out;
  out.reserve(size + content_length);
  out.append(version).append(1, ' ').append(status, status_end).append(1, ' ').append(reason);
  out.append("\r\n");
  for (const auto& [name, value] : headers) {
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

void logAccess(const ServerSettings& settings, const RequestContext& ctx, int status,
               uint64_t bytes, std::string_view note) {
  if (!settings.access_log.load(std::memory_order_relaxed)) return;
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - ctx.started)
                    .count();
  if (note.empty()) {
    common::accessLogger().info("{} {} {} {} {} {} {}.{:03}ms", ctx.request_id, ctx.client_ip,
                                ctx.method, ctx.path, status, bytes, micros / 1000, micros % 1000);
  } else {
    common::accessLogger().info("{} {} {} {} {} {} {}.{:03}ms {}", ctx.request_id, ctx.client_ip,
                                ctx.method, ctx.path, status, bytes, micros / 1000, micros % 1000,
                                note);
  }
}

void sendRawError(Poco::Net::StreamSocket& socket, common::ErrorCode code,
                  const std::string& message) {
  std::string all = rawErrorResponse({code, message, {}, 0}, newRequestId(), httpDate());
  try {
    socket.sendBytes(all.data(), static_cast<int>(all.size()));
    socket.shutdownSend();
  } catch (const Poco::Exception&) {
    // The client is gone; nothing left to tell it.
  }
}

}  // namespace cc::http
