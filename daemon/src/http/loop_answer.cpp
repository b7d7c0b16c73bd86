#include "http/loop_answer.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketDefs.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string_view>

#include "http/error_envelope.h"
#include "http/exchange.h"
#include "http/http_server.h"
#include "http/memory_budget.h"

namespace cc::http {
namespace {

using Next = EventLoops::Answer::Next;

// A head (and body) longer than this goes to a worker, where Poco's header limits decide.
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

// The body's length when the loop may take the request whole: a version it speaks, no
// 100-continue, no protocol switch, no chunked body, and at most one plain Content-Length of
// a sane size (a worker answers the others). nullopt: a worker serves it.
std::optional<std::size_t> bodyLengthHere(const Poco::Net::HTTPRequest& request) {
  const std::string& version = request.getVersion();
  if (version != Poco::Net::HTTPMessage::HTTP_1_1 && version != Poco::Net::HTTPMessage::HTTP_1_0) {
    return std::nullopt;
  }
  if (request.has("Transfer-Encoding") || request.has("Expect") || request.has("Upgrade")) {
    return std::nullopt;
  }
  if (!singleContentLength(request)) return std::nullopt;
  if (!request.hasContentLength()) return 0;
  const std::string& length = request.get("Content-Length");
  if (length.size() > 9) return std::nullopt;  // far past any limit; a worker refuses it
  return static_cast<std::size_t>(std::stoul(length));
}

// What an answer must keep until it has been sent: the body's and the answer's shares of the
// listener's memory budgets.
struct Held {
  Held(HttpServer& server, const ServerSettings& settings)
      : body(server.requestMemory(), settings.max_request_bytes.load()),
        reply(server.responseMemory(), settings.max_response_bytes.load()) {}
  BudgetLease body;
  BudgetLease reply;
};

// One request served by a loop, from its head to its answer; shared with the executor while
// its handler runs there (Pipeline::Pace::kOnExecutor).
struct LoopExchange {
  HttpServer* server = nullptr;
  Poco::Net::HTTPRequest request;  // ctx.request points here
  RequestContext ctx;
  std::shared_ptr<Held> held;  // until answered; then the answer keeps it until sent
  int served_in_all = 0;
  // Later answers only:
  Pipeline::Begun begun;
  EventLoops::Ticket ticket;
  std::atomic<bool> answered{false};  // by the handler's reply or at the deadline, once
};

// The bytes of `reply` for the loop to send, and what follows them; logs the access line.
EventLoops::Answer answerWith(LoopExchange& x, const Reply& reply) {
  HttpServer& server = *x.server;
  const ServerSettings& settings = server.settings();
  const bool keep_alive =
      x.request.getKeepAlive() && !server.draining() &&
      (settings.max_keepalive_requests == 0 || x.served_in_all < settings.max_keepalive_requests);
  const bool no_body = reply.status == 204 || reply.status == 304;
  std::string head = responseHead(reply, x.request.getVersion(), keep_alive, x.ctx.request_id,
                                  no_body ? 0 : reply.body.size());

  EventLoops::Answer answer;
  answer.next = keep_alive ? Next::kKeep : Next::kClose;
  answer.out = std::move(head);
  if (!no_body && x.ctx.method != "HEAD") answer.out += reply.body;
  answer.held = std::move(x.held);
  const auto now = EventLoops::Clock::now();
  answer.idle_deadline = now + std::chrono::seconds(settings.keepalive_timeout_s);
  answer.send_deadline =
      now + std::chrono::milliseconds(settings.send_timeout_ms.load(std::memory_order_relaxed));
  logAccess(settings, x.ctx, reply.status, reply.body.size());
  return answer;
}

// The answer to a request whose handler ran elsewhere: its reply, or the timeout at its
// deadline, whichever comes first; the other is dropped.
void finishLater(const std::shared_ptr<LoopExchange>& x, Reply reply) {
  if (x->answered.exchange(true)) return;  // the server may be gone: touch nothing of it
  HttpServer& server = *x->server;
  // However this ends, the request is no longer in flight, and stop() may go on (the last use
  // of the server).
  struct Answered {
    HttpServer& server;
    ~Answered() {
      --server.inflight();
      server.laterAnswered();
    }
  } answered{server};
  Reply sent = server.pipeline().end(x->ctx, x->begun, std::move(reply));
  server.loops().complete(x->ticket, answerWith(*x, sent));
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

  auto x = std::make_shared<LoopExchange>();
  x->server = &server;
  try {
    readRequestHead(bytes.substr(0, head_size), x->request);
  } catch (const Poco::Exception&) {
    return next(Next::kHandOff);
  }
  const std::optional<std::size_t> body_size = bodyLengthHere(x->request);
  const ServerSettings& settings = server.settings();
  // A body over the limit is refused by a worker, which reads the rest away before closing.
  if (!body_size ||
      static_cast<int64_t>(*body_size) > settings.max_body_bytes.load(std::memory_order_relaxed)) {
    return next(Next::kHandOff);
  }
  if (head_size + *body_size > bytes.size()) {
    // A body sent after its head (as many clients write them): the loop waits for the rest if
    // it fits what it reads, unless the client has stopped sending; a worker reads it otherwise.
    if (head_size + *body_size > static_cast<std::size_t>(kPeekMax) || peerStoppedSending(socket)) {
      return next(Next::kHandOff);
    }
    EventLoops::Answer await = next(Next::kAwait);
    await.await_bytes = head_size + *body_size;
    // A body not all here within the time a worker lets a read wait (http.header_timeout_ms)
    // goes to a worker, which reads what comes until the request's deadline (counted from
    // now) and answers 408 past it.
    const auto began = server.noteRequestBegan(socket, EventLoops::Clock::now());
    await.idle_deadline =
        began + std::chrono::milliseconds(
                    std::min(settings.header_timeout_ms, settings.request_timeout_ms.load()));
    return await;
  }
  const Pipeline& pipeline = server.pipeline();
  RequestContext& ctx = x->ctx;
  const HttpServer::Arrival arrival = server.arrival(socket);
  if (startContext(ctx, x->request, arrival.peer_ip, settings, pipeline, arrival.began)) {
    return next(Next::kHandOff);  // a malformed target: the worker answers it
  }
  const Pipeline::Pace pace = pipeline.pace(ctx);
  if (pace == Pipeline::Pace::kWaits) return next(Next::kHandOff);
  x->held = std::make_shared<Held>(server, settings);
  if (*body_size > 0 && !x->held->body.holdUpTo(static_cast<int64_t>(*body_size))) {
    return next(Next::kHandOff);  // a worker answers 503 overloaded
  }

  // Taken now: exactly the request, which the peek saw whole; a pipelined one stays queued.
  const int taken = static_cast<int>(head_size + *body_size);
  if (receiveNow(socket, peeked.data(), taken, 0) != taken) return next(Next::kClose);
  ctx.body.assign(peeked.data() + head_size, *body_size);
  x->served_in_all = server.countServed(socket);
  server.countRequest();
  ++server.inflight();
  ctx.reply_memory = &x->held->reply;

  if (pace == Pipeline::Pace::kAtOnce) {
    Reply reply = pipeline.handle(ctx);
    --server.inflight();
    if (reply.stream || ctx.upgraded) {
      // pace() admits no route that streams or upgrades.
      spdlog::error("request {} {} {}: answered on an event loop with a stream or an upgrade",
                    ctx.request_id, ctx.method, ctx.path);
      return next(Next::kClose);
    }
    return answerWith(*x, reply);
  }

  // Only the handler waits: the stages run here, the handler on the executor, and the answer is
  // sent by whichever thread has it first: the executor with the reply, or this loop with 504
  // at the deadline (the handler then finishes in the background, its reply dropped).
  x->begun = pipeline.begin(ctx);
  if (x->begun.reply) {
    Reply reply = pipeline.end(ctx, x->begun, std::move(*x->begun.reply));
    --server.inflight();
    return answerWith(*x, reply);
  }
  server.laterBegun();
  EventLoops::Answer later;
  later.next = Next::kLater;
  later.later_deadline = ctx.deadline;
  later.on_deadline = [x] { finishLater(x, deadlineReply(x->ctx)); };
  later.start = [x](const EventLoops::Ticket& ticket) {
    x->ticket = ticket;
    x->server->pipeline().submit(x->ctx, x->begun,
                                 [x](Reply reply) { finishLater(x, std::move(reply)); });
  };
  return later;
}

}  // namespace cc::http
