#pragma once
// A file descriptor held back for answering a client when the process has none left.

namespace cc::http {

/// One descriptor kept open so that, when accept() fails for want of descriptors, the listener
/// can give it up, accept the waiting client on it, tell the client it is overloaded and close,
/// instead of leaving the client in the backlog until it times out. On POSIX it holds /dev/null;
/// on Windows, where sockets are not counted against a descriptor limit, it holds nothing and
/// release() is false. Not thread-safe: one listener's acceptor thread owns it.
class ReserveDescriptor {
 public:
  /// Takes the descriptor (held() says whether that worked).
  ReserveDescriptor();
  ~ReserveDescriptor();
  ReserveDescriptor(const ReserveDescriptor&) = delete;
  ReserveDescriptor& operator=(const ReserveDescriptor&) = delete;

  bool held() const { return fd_ >= 0; }
  /// Closes the descriptor, making room for one; false when none was held.
  bool release();
  /// Takes a descriptor again if none is held; false when there is still none to take.
  bool acquire();

 private:
  int fd_ = -1;
};

/// Whether an accept error (errno, or a WSA code on Windows) means the process or the system is
/// out of file descriptors: EMFILE or ENFILE.
bool isDescriptorExhaustion(int error_code);

}  // namespace cc::http
