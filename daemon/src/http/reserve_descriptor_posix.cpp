#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "http/reserve_descriptor.h"

namespace cc::http {

ReserveDescriptor::ReserveDescriptor() { acquire(); }

ReserveDescriptor::~ReserveDescriptor() { release(); }

bool ReserveDescriptor::release() {
  if (fd_ < 0) return false;
  ::close(fd_);
  fd_ = -1;
  return true;
}

bool ReserveDescriptor::acquire() {
  if (fd_ >= 0) return true;
  // Close-on-exec: a restart in place must not carry it into the new image.
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd_ >= 0;
}

bool isDescriptorExhaustion(int error_code) { return error_code == EMFILE || error_code == ENFILE; }

}  // namespace cc::http
