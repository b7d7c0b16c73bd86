#include "store/last_admin.h"

namespace cc::store {

common::Error lastAdminError(const std::string& username, const std::string& what) {
  return common::Error::conflict("'" + username + "' is the last enabled admin; " + what +
                                 " would leave nobody able to write (add another admin first)");
}

std::string lastAdminChange(bool demotes, bool disables) {
  return demotes && disables ? "demoting and disabling it"
         : demotes           ? "demoting it"
                             : "disabling it";
}

}  // namespace cc::store
