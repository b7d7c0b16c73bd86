# Read by cpack at packaging time: a Debian package must not install under /usr/local.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "the Debian package needs a build configured with "
                      "-DCMAKE_INSTALL_PREFIX=/usr (this one uses ${CPACK_PACKAGING_INSTALL_PREFIX})")
endif()
