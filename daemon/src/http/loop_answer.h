#pragma once
// A request answered on an event loop, without a worker.

#include <Poco/Net/StreamSocket.h>

#include "http/event_loops.h"

namespace cc::http {

class HttpServer;

/// Looks at what a readable connection on an event loop has sent (without taking it) and, when
/// it is a whole request (its head, and its body if it has one, already received) that needs no
/// worker, takes it and serves it there (Pipeline::pace):
/// - kAtOnce (/health, the system views, an unknown path, a missing token...): runs it through
///   the pipeline and returns the answer's bytes for the loop to send;
/// - kOnExecutor (a store route): runs the stages, submits the handler to the executor and
///   returns kLater; the executor's thread sends the answer (EventLoops::complete), or the loop
///   sends 504 at the request's deadline if the handler has not answered by then.
/// A body still arriving after a whole head is awaited (EventLoops kAwait) when it fits the
/// 16 KiB the loop looks at. Everything else is handed to a worker untouched: a route that may
/// wait before its handler, a body over 16 KiB or the limit, an upgrade, an incomplete or malformed
/// head (whose errors the worker gives). A closed or failed connection is closed. Runs on the
/// loop's thread; never blocks.
EventLoops::Answer answerOnLoop(Poco::Net::StreamSocket& socket, HttpServer& server);

}  // namespace cc::http
