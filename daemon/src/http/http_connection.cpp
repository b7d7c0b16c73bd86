#include "http/http_connection.h"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#if !defined(_WIN32)
#include <poll.h>
#endif

#include "http/body_source.h"
#include "http/error_envelope.h"
#include "http/exchange.h"
#include "http/http_server.h"

namespace cc::http {
namespace {

using Poco::Net::HTTPServerRequestImpl;
using Poco::Net::HTTPServerResponseImpl;

// Exposes the bytes Poco has already buffered, so pipelined requests are not mistaken for idle,
// and bounds a body read by a deadline: each socket read waits at most until the deadline, so a
// body trickled a byte at a time cannot hold a worker past the request's budget.
class Session final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::buffered;
  using HTTPServerSession::clearException;
  using HTTPServerSession::HTTPServerSession;

  /// Reads until `deadline` (each one also bounded by `idle`); nullopt ends the bound.
  void setReadDeadline(std::optional<std::chrono::steady_clock::time_point> deadline,
                       Poco::Timespan idle) {
    read_deadline_ = deadline;
    idle_ = idle;
    if (!deadline) socket().setReceiveTimeout(idle);
  }
  bool readDeadlinePassed() const { return deadline_passed_; }

  int read(char* buffer, std::streamsize length) override {
    if (read_deadline_ && buffered() == 0) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          *read_deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        deadline_passed_ = true;
        throw Poco::TimeoutException("request body not received before the request deadline");
      }
      socket().setReceiveTimeout(std::min(idle_, Poco::Timespan(left.count())));
    }
    return HTTPServerSession::read(buffer, length);
  }

 private:
  std::optional<std::chrono::steady_clock::time_point> read_deadline_;
  Poco::Timespan idle_;
  bool deadline_passed_ = false;
};

// Poco reports framing problems as MessageException with a text; map them to the status a
// client can act on.
common::ErrorCode classify(const std::string& what) {
  if (what.find("URI") != std::string::npos) return common::ErrorCode::kUriTooLong;
  if (what.find("header field") != std::string::npos ||
      what.find("Field name") != std::string::npos ||
      what.find("Field value") != std::string::npos) {
    return common::ErrorCode::kHeadersTooLarge;
  }
  return common::ErrorCode::kBadRequest;
}

bool isTimeout(const Session& session) {
  const Poco::Exception* e = session.networkException();
  return e != nullptr && dynamic_cast<const Poco::TimeoutException*>(e) != nullptr;
}

// How long a keep-alive connection keeps its worker while others are queued: short enough that
// a newcomer is served within a fraction of a second, long enough that reconnecting costs
// little next to the requests served in between.
constexpr auto kWorkerSlice = std::chrono::milliseconds(50);

enum class BodyOutcome { kRead, kTooLarge, kOverBudget, kTimeout, kBroken };

// Reads the whole body into `body`, holding its size in `held` first: a declared length is
// held before a byte is read (or a 100 Continue sent), a chunked body as it grows, so that with
// no room left the request is answered without its body in memory.
BodyOutcome readBody(HTTPServerRequestImpl& request, Session& session, int64_t limit,
                     std::chrono::steady_clock::time_point deadline, BudgetLease& held,
                     std::string& body) {
  struct Unbound {
    Session& session;
    Poco::Timespan idle;
    ~Unbound() { session.setReadDeadline(std::nullopt, idle); }
  };
  int64_t expected = request.hasContentLength() ? request.getContentLength64() : -1;
  if (expected > limit) return BodyOutcome::kTooLarge;
  if (expected == 0 || (expected < 0 && !request.getChunkedTransferEncoding())) {
    return BodyOutcome::kRead;
  }
  if (expected > 0 && !held.holdUpTo(expected)) return BodyOutcome::kOverBudget;
  session.setReadDeadline(deadline, session.getTimeout());
  Unbound unbound{session, session.getTimeout()};
  if (request.getExpectContinue()) request.response().sendContinue();
  std::istream& in = request.stream();
  char buf[16384];
  while (true) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n > 0) {
      const int64_t size = static_cast<int64_t>(body.size()) + n;
      if (size > limit) return BodyOutcome::kTooLarge;
      // A chunked body is held in steps of 64 KiB, not one reservation a read.
      if (!held.holdUpTo(std::min(limit, (size + 65535) / 65536 * 65536))) {
        return BodyOutcome::kOverBudget;
      }
      body.append(buf, static_cast<std::size_t>(n));
    }
    if (!in) break;
  }
  if (in.bad() || (expected >= 0 && static_cast<int64_t>(body.size()) < expected)) {
    return isTimeout(session) || session.readDeadlinePassed() ? BodyOutcome::kTimeout
                                                              : BodyOutcome::kBroken;
  }
  return BodyOutcome::kRead;
}

// The body of a route that reads it itself (RouteOptions::streams_body), pulled from the
// connection as the handler asks: each read bounded by the session's idle timeout
// (http.header_timeout_ms) rather than by the request's deadline, the whole by `limit`.
class ConnectionBodySource final : public BodySource {
 public:
  ConnectionBodySource(HTTPServerRequestImpl& request, Session& session, int64_t limit)
      : request_(request), session_(session), limit_(limit) {
    expected_ = request.hasContentLength() ? request.getContentLength64() : -1;
    if (expected_ > limit_) {
      state_ = State::kTooLarge;
    } else if (expected_ == 0 || (expected_ < 0 && !request.getChunkedTransferEncoding())) {
      state_ = State::kEnd;
    }
  }

  std::size_t read(char* buf, std::size_t n) override {
    if (state_ != State::kReading || n == 0) return 0;
    // Asked for only now, once the request has passed every check before its handler.
    if (!continued_ && request_.getExpectContinue()) request_.response().sendContinue();
    continued_ = true;
    std::istream& in = request_.stream();
    in.read(buf, static_cast<std::streamsize>(n));
    const auto got = static_cast<std::size_t>(in.gcount());
    read_ += static_cast<int64_t>(got);
    if (read_ > limit_) {
      state_ = State::kTooLarge;
      return 0;
    }
    if (!in) {
      if (in.bad() || (expected_ >= 0 && read_ < expected_)) {
        state_ = isTimeout(session_) ? State::kTimeout : State::kBroken;
        return 0;
      }
      if (got == 0) state_ = State::kEnd;
    }
    if (got == 0 && state_ == State::kReading) state_ = State::kEnd;
    return got;
  }
  State state() const override { return state_; }
  int64_t bytesRead() const override { return read_; }
  int64_t limit() const override { return limit_; }

 private:
  HTTPServerRequestImpl& request_;
  Session& session_;
  int64_t limit_;
  int64_t expected_ = -1;
  int64_t read_ = 0;
  bool continued_ = false;
  State state_ = State::kReading;
};

enum class HeaderWait { kComplete, kTimeout, kRequeued, kAbandoned, kGone };

// Waits up to `timeout` for bytes (or a close) to read. Poco's Socket::poll creates, fills and
// closes an epoll set on every call: four system calls where poll(2) needs one, and about a
// sixth of the CPU of a keep-alive request. Throws like Poco's on a broken socket.
bool readable(const Poco::Net::StreamSocket& socket, std::chrono::microseconds timeout) {
#if !defined(_WIN32)
  pollfd p{socket.impl()->sockfd(), POLLIN, 0};
  int ms = static_cast<int>((timeout.count() + 999) / 1000);
  while (true) {
    int rc = ::poll(&p, 1, ms);
    if (rc >= 0) return rc > 0;
    if (errno != EINTR) throw Poco::Net::NetException(std::strerror(errno), errno);
  }
#else
  return socket.poll(Poco::Timespan(timeout.count()), Poco::Net::Socket::SELECT_READ);
#endif
}

// Bounds of a lingering close, as nginx's lingering_time and lingering_timeout (30 s and 5 s
// there; shorter here, since a lingering connection holds a worker thread), plus an amount.
constexpr auto kLingerTotal = std::chrono::seconds(2);
constexpr auto kLingerIdle = std::chrono::milliseconds(500);
constexpr std::size_t kLingerMaxBytes = 16 * 1024 * 1024;

// After an answer to a request whose body was not read (413, 408, bad framing) the client may
// still be sending it, as most clients do before they read (no Expect: 100-continue). Closing
// with unread bytes makes the kernel send a reset, and the client's send fails, or the reset
// destroys our answer before it reads it. So, like nginx's lingering close: stop sending (our
// FIN follows the answer), read and discard until the client closes, is idle for kLingerIdle,
// or kLingerTotal or kLingerMaxBytes is reached; then close.
void lingerBeforeClose(Poco::Net::StreamSocket& socket) {
  try {
    socket.shutdownSend();
    const auto until = std::chrono::steady_clock::now() + kLingerTotal;
    std::size_t discarded = 0;
    char buf[16384];
    while (discarded < kLingerMaxBytes) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) break;
      auto wait = std::chrono::duration_cast<std::chrono::microseconds>(
          std::min<std::chrono::steady_clock::duration>(kLingerIdle, until - now));
      if (!readable(socket, wait)) break;
      int n = socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;  // the client closed: a clean close now
      discarded += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception&) {
    // Reset or broken: nothing left to protect.
  }
}

// Waits until the kernel holds a whole request head (peeking, so Poco still reads it all), for
// at most http.header_timeout_ms in total: a trickle of bytes does not extend the deadline, as
// Poco's per-read timeout would. While other connections queue, an incomplete one goes back to
// the end of the queue instead of holding a worker.
HeaderWait waitForHeaders(Poco::Net::StreamSocket& socket, HttpServer& server,
                          std::chrono::steady_clock::time_point deadline) {
  constexpr int kPeekMax = 65536;  // past this Poco's own header limits decide
  std::string peeked(kPeekMax, '\0');
  const auto slice = std::chrono::milliseconds(20);
  while (true) {
    int available = 0;
    try {
      if (readable(socket, std::chrono::microseconds(0))) {
        int n = socket.receiveBytes(peeked.data(), kPeekMax, MSG_PEEK);
        if (n <= 0) return HeaderWait::kGone;
        available = n;
      }
    } catch (const Poco::Exception&) {
      return HeaderWait::kGone;
    }
    std::string_view head(peeked.data(), static_cast<std::size_t>(available));
    if (available >= kPeekMax || head.find("\r\n\r\n") != std::string_view::npos ||
        head.find("\n\n") != std::string_view::npos) {
      return HeaderWait::kComplete;
    }
    if (available > 0 && peerStoppedSending(socket)) return HeaderWait::kAbandoned;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return HeaderWait::kTimeout;
    if (server.queued() > 0 && !server.draining()) {
      server.requeue(socket, deadline);
      return HeaderWait::kRequeued;
    }
    auto wait = std::min<std::chrono::steady_clock::duration>(slice, deadline - now);
    try {
      if (available == 0) {
        readable(socket, std::chrono::duration_cast<std::chrono::microseconds>(wait));
      } else {
        // Part of a head is waiting and poll would report it at once: look again shortly.
        std::this_thread::sleep_for(wait);
      }
    } catch (const Poco::Exception&) {
      return HeaderWait::kGone;
    }
  }
}

// Whether a failed send is the socket's send timeout (SO_SNDTIMEO) running out: Poco 1.11
// reports that as an IOException with EAGAIN on a blocking socket, or as a TimeoutException.
bool sendTimedOut(const Poco::Exception& e) {
  return dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr || e.code() == POCO_EAGAIN ||
         e.code() == POCO_EWOULDBLOCK;
}

// Sends a streamed reply: the head, then each piece of the body as one chunk. The chunks are
// framed here rather than by Poco's chunked stream, whose destructor writes the last chunk even
// after a failure and would make a body cut short look complete to the client. A client that
// disconnects or stops reading for `send_timeout_ms` makes a send throw, which ends the stream:
// the producer is not asked for another piece.
StreamOutcome sendStreamed(Poco::Net::StreamSocket& socket, HTTPServerResponseImpl& response,
                           BodyStream& stream, bool head_only, const HttpServer& server,
                           int send_timeout_ms) {
  StreamOutcome outcome;
  response.setChunkedTransferEncoding(true);
  std::ostringstream head;
  response.write(head);
  std::string pending = head.str();
  uint64_t pending_body = 0;
  auto flush = [&] {
    socket.sendBytes(pending.data(), static_cast<int>(pending.size()));
    outcome.bytes += pending_body;
    pending.clear();
    pending_body = 0;
  };
  try {
    if (head_only) {
      flush();
      outcome.complete = true;
      return outcome;
    }
    std::string piece;
    while (true) {
      if (server.stopping()) {
        outcome.reason = "server stopping";
        break;
      }
      piece.clear();
      BodyStream::Step step = BodyStream::Step::kFailed;
      std::string failure;
      try {
        step = stream.next(piece);
        if (step == BodyStream::Step::kFailed) failure = stream.failure();
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!piece.empty()) {
        char size[24];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        pending += size;
        pending += piece;
        pending += "\r\n";
        pending_body += piece.size();
      }
      if (step == BodyStream::Step::kDone) {
        pending += "0\r\n\r\n";
        flush();
        outcome.complete = true;
        break;
      }
      // What was produced still goes out, so the client sees the status and how far it got.
      flush();
      if (step == BodyStream::Step::kFailed) {
        outcome.reason = "stream failed: " + (failure.empty() ? "no reason given" : failure);
        break;
      }
    }
  } catch (const Poco::Exception& e) {
    outcome.slow_reader = sendTimedOut(e);
    outcome.reason = outcome.slow_reader ? "client read nothing for http.send_timeout_ms (" +
                                               std::to_string(send_timeout_ms) + " ms)"
                                         : "client gone: " + e.displayText();
  }
  return outcome;
}

}  // namespace

HttpConnection::HttpConnection(const Poco::Net::StreamSocket& socket, HttpServer& server)
    : TCPServerConnection(socket), server_(server) {}

void HttpConnection::run() {
  ServerSettings& settings = server_.settings();
  // A worker thread is started by whoever hands it a connection, often an event loop, and a new
  // thread takes its creator's priority: the workers run at the listener's maker's (below the
  // loops and the store's writer), once each thread.
  thread_local bool at_workers_priority = false;
  if (!at_workers_priority) {
    server_.workerPriority().takeHere();
    at_workers_priority = true;
  }
  // However run() ends, the client's address stops holding this connection, unless it went
  // back to the queue. Released before the socket object is let go (it keys the record).
  struct Done {
    HttpServer& server;
    const Poco::Net::StreamSocket& socket;
    bool requeued = false;
    ~Done() {
      if (!requeued) server.connectionDone(socket);
    }
  } done{server_, socket()};
  {
    auto deadline = server_.takeHeaderDeadline(socket()).value_or(
        std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.header_timeout_ms));
    switch (waitForHeaders(socket(), server_, deadline)) {
      case HeaderWait::kComplete:
        break;
      case HeaderWait::kTimeout: {
        sendRawError(socket(), common::ErrorCode::kRequestTimeout,
                     "request headers not received within http.header_timeout_ms");
        return;
      }
      case HeaderWait::kAbandoned:
        // It may still be reading: say why, then let it go without waiting out the timeout.
        sendRawError(socket(), common::ErrorCode::kBadRequest,
                     "incomplete request head: the client stopped sending");
        return;
      case HeaderWait::kRequeued:
        done.requeued = true;
        return;  // the socket lives on in the queue; no Session may close it
      case HeaderWait::kGone:
        socket().close();
        return;
    }
  }
  Session session(socket(), server_.sessionParams());
  const Pipeline& pipeline = server_.pipeline();
  const auto slice = std::chrono::microseconds(50 * 1000);
  int served = 0;
  // Requests in a row an event loop would have served itself: past kQuickToPark the connection
  // waits there for its next one instead of on this worker (not after one alone, so that a
  // client mixing store and quick requests is not passed back and forth).
  int quick_in_a_row = 0;
  constexpr int kQuickToPark = 8;
  // While other connections wait for a worker, this one keeps its worker for one slice only.
  const auto held_since = std::chrono::steady_clock::now();

  while (true) {
    // Between requests a connection keeps its worker only while it is busy: idle for a whole
    // slice, or past its slice while others wait, it gives the worker back, waiting on an event
    // loop (nothing sent yet) or at the back of the queue (next request here).
    // Without parking it closes instead, when others wait.
    auto hand_back = [&](bool next_waiting) {
      Poco::Net::StreamSocket detached = session.detachSocket();
      if (next_waiting) {
        server_.requeue(detached, std::chrono::steady_clock::now() +
                                      std::chrono::milliseconds(settings.header_timeout_ms));
      } else if (!server_.park(detached, quick_in_a_row >= kQuickToPark)) {
        return;  // draining: an idle connection closes
      }
      done.requeued = true;
    };
    if (served > 0 && server_.canPark() && session.buffered() == 0 &&
        (quick_in_a_row >= kQuickToPark ||
         (server_.queued() > 0 && std::chrono::steady_clock::now() - held_since >= kWorkerSlice))) {
      try {
        hand_back(quick_in_a_row < kQuickToPark &&
                  readable(socket(), std::chrono::microseconds(0)));
      } catch (const Poco::Exception&) {
        // Broken: closing it is all that is left.
      }
      return;
    }
    if (session.buffered() == 0) {
      auto wait = served == 0 ? std::chrono::milliseconds(settings.header_timeout_ms)
                              : std::chrono::milliseconds(settings.keepalive_timeout_s * 1000);
      auto until = std::chrono::steady_clock::now() + wait;
      bool ready = false;
      try {
        while (!ready) {
          ready = readable(socket(), slice);
          if (ready) break;
          if (served > 0 && server_.canPark()) {
            hand_back(false);
            return;
          }
          // Give the worker back, unless a request arrived in the meantime: closing with
          // unread bytes would reset the connection and lose that request.
          if (served > 0 && (server_.queued() > 0 || server_.draining()) &&
              !readable(socket(), std::chrono::microseconds(0))) {
            socket().shutdownSend();
            return;
          }
          if (std::chrono::steady_clock::now() >= until) {
            if (served == 0)
              sendRawError(socket(), common::ErrorCode::kRequestTimeout,
                           "no request received within http.header_timeout_ms");
            return;
          }
        }
      } catch (const Poco::Exception&) {
        return;
      }
    }

    // Declared before the response so that it runs after the response has gone out.
    struct LingerOnClose {
      Poco::Net::StreamSocket& socket;
      bool armed = false;
      ~LingerOnClose() {
        if (armed) lingerBeforeClose(socket);
      }
    } linger{socket()};
    HTTPServerResponseImpl response(session);
    std::unique_ptr<HTTPServerRequestImpl> request;
    try {
      request =
          std::make_unique<HTTPServerRequestImpl>(response, session, server_.sessionParams().get());
    } catch (const Poco::Net::NoMessageException&) {
      return;
    } catch (const Poco::Net::MessageException& e) {
      if (isTimeout(session)) {
        sendRawError(socket(), common::ErrorCode::kRequestTimeout,
                     "request headers not received within http.header_timeout_ms");
      } else {
        sendRawError(socket(), classify(e.message()), "malformed request: " + e.message());
      }
      return;
    } catch (const Poco::Exception&) {
      // A read timeout surfaces here or as a MessageException, depending on where it hit.
      if (isTimeout(session)) {
        sendRawError(socket(), common::ErrorCode::kRequestTimeout,
                     "request headers not received within http.header_timeout_ms");
      }
      return;
    }
    const std::string& version = request->getVersion();
    if (version != Poco::Net::HTTPMessage::HTTP_1_1 &&
        version != Poco::Net::HTTPMessage::HTTP_1_0) {
      sendRawError(socket(), common::ErrorCode::kBadRequest,
                   "unsupported protocol version '" + version + "'; use HTTP/1.1");
      return;
    }

    ++served;
    const HttpServer::Arrival arrival = server_.arrival(socket());
    const int served_in_all = server_.countServed(socket());
    server_.countRequest();
    ++server_.inflight();
    RequestContext ctx;
    std::optional<Reply> early =
        startContext(ctx, *request, arrival.peer_ip, settings, pipeline, arrival.began);
    ctx.upgrade_request = request.get();
    ctx.upgrade_response = &response;
    response.setVersion(request->getVersion());
    bool body_complete = true;
    if (!early && !singleContentLength(*request)) {
      early = errorReply(
          common::Error::badRequest("Content-Length must be one non-negative decimal number"),
          ctx.request_id);
      body_complete = false;
    }
    if (!early && request->has("Content-Length") && request->has("Transfer-Encoding")) {
      early = errorReply(
          common::Error::badRequest("Content-Length and Transfer-Encoding must not both be set"),
          ctx.request_id);
      body_complete = false;
    }
    // A route that reads its body itself gets it unread, as a source to pull from.
    std::optional<ConnectionBodySource> body_source;
    if (!early && ctx.method == "POST") {
      const RouteMatch& match = pipeline.lookup(ctx);
      if (match.route != nullptr && match.route->options.streams_body) {
        body_source.emplace(*request, session, settings.import_max_body_bytes.load());
        ctx.body_source = &*body_source;
      }
    }
    // The body and what the request builds from it stay in memory until the answer is sent.
    BudgetLease body_held(server_.requestMemory(), settings.max_request_bytes.load());
    if (!early && !body_source) {
      switch (readBody(*request, session, settings.max_body_bytes.load(), ctx.deadline, body_held,
                       ctx.body)) {
        case BodyOutcome::kRead:
          break;
        case BodyOutcome::kOverBudget:
          early = errorReply(
              common::Error::unavailable(
                  common::ErrorCode::kOverloaded,
                  "request bodies in memory are at overload.max_request_bytes (" +
                      std::to_string(settings.max_request_bytes.load()) + " bytes); retry"),
              ctx.request_id);
          body_complete = false;
          break;
        case BodyOutcome::kTooLarge:
          early = errorReply({common::ErrorCode::kPayloadTooLarge,
                              "request body exceeds http.max_body_bytes (" +
                                  std::to_string(settings.max_body_bytes.load()) + " bytes)",
                              {},
                              0},
                             ctx.request_id);
          body_complete = false;
          break;
        case BodyOutcome::kTimeout:
          early = errorReply(
              {common::ErrorCode::kRequestTimeout, "request body not received in time", {}, 0},
              ctx.request_id);
          body_complete = false;
          break;
        case BodyOutcome::kBroken:
          --server_.inflight();
          return;
      }
    }

    // The answer's body, from when the pipeline has it until it has been sent.
    BudgetLease reply_held(server_.responseMemory(), settings.max_response_bytes.load());
    ctx.reply_memory = &reply_held;
    Reply reply = early ? pipeline.finishEarly(ctx, std::move(*early)) : pipeline.handle(ctx);
    // A body its handler left unread (refused before it, or cut short) cannot be skipped to the
    // next request reliably: the connection closes after this answer.
    if (body_source && body_source->state() != BodySource::State::kEnd) body_complete = false;
    ctx.body_source = nullptr;
    // A streamed reply is in flight until its body has been sent.
    if (!reply.stream) --server_.inflight();
    if (ctx.upgraded) {
      logAccess(settings, ctx, 101, 0, "upgraded");
      return;
    }

    // Without parking, a connection that has had its slice closes while others wait, so that
    // they get a worker; with parking it just gives its worker back (below).
    bool keep_alive =
        body_complete && request->getKeepAlive() && !server_.draining() &&
        (server_.canPark() || server_.queued() == 0 ||
         std::chrono::steady_clock::now() - held_since < kWorkerSlice) &&
        (settings.max_keepalive_requests == 0 || served_in_all < settings.max_keepalive_requests);
    std::optional<StreamOutcome> streamed;
    // Every send of the answer is bounded by the socket's SO_SNDTIMEO, set once at accept
    // (HttpServer::admit): a client that reads nothing for that long makes the send fail.
    const int send_timeout_ms = settings.send_timeout_ms.load(std::memory_order_relaxed);
    try {
      setResponseHead(response, reply, request->getVersion(), keep_alive, ctx.request_id);
      if (reply.stream) {
        streamed = sendStreamed(socket(), response, *reply.stream, ctx.method == "HEAD", server_,
                                send_timeout_ms);
        keep_alive = keep_alive && streamed->complete;
        if (streamed->slow_reader) server_.countSlowReader();
      } else if (reply.status == 204 || reply.status == 304) {
        response.setContentLength(0);
        response.send();
      } else {
        // The body goes through Poco's header stream, which keeps a failed send as the
        // session's network exception instead of throwing it: look there afterwards.
        session.clearException();
        response.sendBuffer(reply.body.data(), reply.body.size());
        if (const Poco::Exception* failed = session.networkException()) failed->rethrow();
      }
    } catch (const Poco::Exception& e) {
      keep_alive = false;
      if (sendTimedOut(e)) {
        // The client stopped reading: its worker and the unsent answer go now, not when the
        // kernel gives up on the connection.
        server_.countSlowReader();
        spdlog::info(
            "request {} {} {}: client read nothing for http.send_timeout_ms ({} ms); "
            "connection closed",
            ctx.request_id, ctx.method, ctx.path, send_timeout_ms);
      }
    }
    if (reply.stream) {
      if (!streamed) streamed = StreamOutcome{false, 0, "head not sent"};
      reply.stream.reset();  // the producer goes now, not when the next request replaces it
      --server_.inflight();
      for (const auto& notify : reply.on_stream_end) notify(*streamed);
      if (!streamed->complete) {
        auto level = streamed->reason.rfind("stream failed", 0) == 0 ? spdlog::level::warn
                                                                     : spdlog::level::info;
        spdlog::log(level, "request {} {} {}: streamed body ended after {} bytes: {}",
                    ctx.request_id, ctx.method, ctx.path, streamed->bytes, streamed->reason);
      }
    }

    if (streamed) {
      logAccess(settings, ctx, reply.status, streamed->bytes,
                streamed->complete ? "streamed" : "cut short");
    } else {
      logAccess(settings, ctx, reply.status, reply.body.size());
    }
    if (!keep_alive) {
      linger.armed = !body_complete;
      return;
    }
    quick_in_a_row =
        !early && pipeline.pace(ctx) != Pipeline::Pace::kWaits ? quick_in_a_row + 1 : 0;
    // The response goes out when `response` is destroyed, at the end of this iteration; the
    // connection is parked or requeued at the top of the next one, never before.
  }
}

}  // namespace cc::http
