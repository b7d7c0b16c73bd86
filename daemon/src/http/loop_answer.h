#pragma once
// A request answered on an event loop, without a worker.

#include <Poco/Net/StreamSocket.h>

#include "http/event_loops.h"

namespace cc::http {

class HttpServer;

/// Looks at what a readable connection on an event loop has sent (without taking it) and, when
/// it is a whole request head with no body that the pipeline answers at once
/// (Pipeline::answersAtOnce: /health, the system views, an unknown path, a missing token...),
/// takes it, runs it through the pipeline and returns the answer's bytes for the loop to send.
/// Everything else is handed to a worker untouched: a store route, a body, an upgrade, an
/// incomplete or malformed head (whose errors the worker gives). A closed or failed connection
/// is closed. Runs on the loop's thread; must not block.
EventLoops::Answer answerOnLoop(Poco::Net::StreamSocket& socket, HttpServer& server);

}  // namespace cc::http
