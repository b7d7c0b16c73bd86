#include <Poco/Net/Socket.h>  // POCO_EMFILE, via SocketDefs.h in the order Poco needs

#include "http/reserve_descriptor.h"

namespace cc::http {

// Windows sockets are handles, not bounded by a per-process descriptor table: nothing to hold.
ReserveDescriptor::ReserveDescriptor() = default;
ReserveDescriptor::~ReserveDescriptor() = default;
bool ReserveDescriptor::release() { return false; }
bool ReserveDescriptor::acquire() { return false; }

bool isDescriptorExhaustion(int error_code) { return error_code == POCO_EMFILE; }

}  // namespace cc::http
