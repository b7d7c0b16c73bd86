#include "http/loop_answer.h"

#include <Poco/MemoryStream.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketDefs.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string_view>

#include "http/exchange.h"
#include "http/http_server.h"
#include "http/memory_budget.h"

namespace cc::http {
namespace {

using Next = EventLoops::Answer::Next;

// A head longer than this goes to a worker, where Poco's header limits decide.
constexpr int kPeekMax = 16384;

#if defined(_WIN32)
constexpr int kDontWait = 0;  // never used: the event loops refuse every connection there
#else
constexpr int kDontWait = MSG_DONTWAIT;
#endif

// Reads (or, with MSG_PEEK, looks at) what the kernel holds, without waiting: the socket stays
// blocking for the workers. -1: nothing there after all; -2: the connection failed.
int receiveNow(Poco::Net::StreamSocket& socket, char* buffer, int length, int flags) {
  try {
    return socket.impl()->receiveBytes(buffer, length, flags | kDontWait);
  } catch (const Poco::TimeoutException&) {
    return -1;  // EAGAIN on a blocking socket
  } catch (const Poco::Exception&) {
    return -2;
  }
}

EventLoops::Answer next(Next what) {
  EventLoops::Answer answer;
  answer.next = what;
  return answer;
}

// Whether the head is one the loop may answer: a version it speaks and nothing after the head
// (no body, no 100-continue, no protocol switch).
bool servableHere(const Poco::Net::HTTPRequest& request) {
  const std::string& version = request.getVersion();
  if (version != Poco::Net::HTTPMessage::HTTP_1_1 && version != Poco::Net::HTTPMessage::HTTP_1_0) {
    return false;
  }
  return !request.has("Content-Length") && !request.has("Transfer-Encoding") &&
         !request.has("Expect") && !request.has("Upgrade");
}

}  // namespace

EventLoops::Answer answerOnLoop(Poco::Net::StreamSocket& socket, HttpServer& server) {
  thread_local std::string peeked(kPeekMax, '\0');
  const int n = receiveNow(socket, peeked.data(), kPeekMax, MSG_PEEK);
  if (n == -1) return next(Next::kKeep);  // nothing after all: keep waiting as before
  if (n <= 0) return next(Next::kClose);  // the client closed, or the connection failed
  const std::string_view bytes(peeked.data(), static_cast<std::size_t>(n));
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return next(Next::kHandOff);
  const std::size_t head_size = end + 4;

  Poco::Net::HTTPRequest request;
  try {
    Poco::MemoryInputStream in(peeked.data(), static_cast<std::streamsize>(head_size));
    request.read(in);
  } catch (const Poco::Exception&) {
    return next(Next::kHandOff);
  }
  if (!servableHere(request)) return next(Next::kHandOff);

  const ServerSettings& settings = server.settings();
  const Pipeline& pipeline = server.pipeline();
  RequestContext ctx;
  if (startContext(ctx, request, server.peerIp(socket), settings, pipeline)) {
    return next(Next::kHandOff);  // a malformed target: the worker answers it
  }
  if (!pipeline.answersAtOnce(ctx)) return next(Next::kHandOff);

  // Taken now: exactly the head, which the peek saw whole; a pipelined request stays queued.
  if (receiveNow(socket, peeked.data(), static_cast<int>(head_size), 0) !=
      static_cast<int>(head_size)) {
    return next(Next::kClose);
  }
  const int served_in_all = server.countServed(socket);
  server.countRequest();
  ++server.inflight();
  auto reply_held =
      std::make_shared<BudgetLease>(server.responseMemory(), settings.max_response_bytes.load());
  ctx.reply_memory = reply_held.get();
  Reply reply = pipeline.handle(ctx);
  --server.inflight();
  if (reply.stream || ctx.upgraded) {
    // answersAtOnce() admits no route that streams or upgrades.
    spdlog::error("request {} {} {}: answered on an event loop with a stream or an upgrade",
                  ctx.request_id, ctx.method, ctx.path);
    return next(Next::kClose);
  }

  const bool keep_alive =
      request.getKeepAlive() && !server.draining() &&
      (settings.max_keepalive_requests == 0 || served_in_all < settings.max_keepalive_requests);
  const bool no_body = reply.status == 204 || reply.status == 304;
  std::string head = responseHead(reply, request.getVersion(), keep_alive, ctx.request_id,
                                  no_body ? 0 : reply.body.size());

  EventLoops::Answer answer;
  answer.next = keep_alive ? Next::kKeep : Next::kClose;
  answer.out = std::move(head);
  if (!no_body && ctx.method != "HEAD") answer.out += reply.body;
  answer.held = std::move(reply_held);
  const auto now = EventLoops::Clock::now();
  answer.idle_deadline = now + std::chrono::seconds(settings.keepalive_timeout_s);
  answer.send_deadline =
      now + std::chrono::milliseconds(settings.send_timeout_ms.load(std::memory_order_relaxed));
  logAccess(settings, ctx, reply.status, reply.body.size());
  return answer;
}

}  // namespace cc::http
