# Install layout of the system files and the Debian package (cpack -G DEB). Configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a package; see docs/operations.md.

# Debian keeps units in /lib/systemd/system and configuration in /etc when the prefix is /usr.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(CC_SYSTEMD_UNITDIR /lib/systemd/system CACHE PATH "Where systemd units are installed")
else()
  set(CC_SYSTEMD_UNITDIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system
      CACHE PATH "Where systemd units are installed")
endif()

install(FILES ${PROJECT_SOURCE_DIR}/etc/controlcenterd.properties
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/controlcenter)
install(FILES
          ${PROJECT_SOURCE_DIR}/packaging/systemd/controlcenterd.service
          ${PROJECT_SOURCE_DIR}/packaging/systemd/controlcenterd.socket
          ${PROJECT_SOURCE_DIR}/packaging/systemd/controlcenterd-admin.socket
        DESTINATION ${CC_SYSTEMD_UNITDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/systemd/controlcenter.sysusers
        DESTINATION lib/sysusers.d RENAME controlcenter.conf)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/systemd/controlcenter.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME controlcenter.conf)

# Generated at build time: gzipped man pages and changelog (reproducible: no name, no mtime),
# and the shell completions from the ctl's own verb table.
set(CC_GENERATED_DIR ${PROJECT_BINARY_DIR}/packaging)
set(CC_GENERATED_FILES)
foreach(page controlcenterctl.1 controlcenterd.8 ../debian/changelog)
  get_filename_component(name ${page} NAME)
  if(name STREQUAL "changelog")
    set(out ${CC_GENERATED_DIR}/changelog.Debian.gz)
  else()
    set(out ${CC_GENERATED_DIR}/${name}.gz)
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CC_GENERATED_DIR}
    COMMAND gzip -9 -n -c ${PROJECT_SOURCE_DIR}/packaging/man/${page} > ${out}
    DEPENDS ${PROJECT_SOURCE_DIR}/packaging/man/${page}
    COMMENT "Compressing ${name}" VERBATIM)
  list(APPEND CC_GENERATED_FILES ${out})
endforeach()
foreach(shell bash zsh)
  set(out ${CC_GENERATED_DIR}/completion.${shell})
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CC_GENERATED_DIR}
    COMMAND $<TARGET_FILE:controlcenterctl> completion ${shell} > ${out}
    DEPENDS controlcenterctl
    COMMENT "Generating the ${shell} completion" VERBATIM)
  list(APPEND CC_GENERATED_FILES ${out})
endforeach()
add_custom_target(cc_install_files ALL DEPENDS ${CC_GENERATED_FILES})

install(FILES ${CC_GENERATED_DIR}/controlcenterctl.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CC_GENERATED_DIR}/controlcenterd.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CC_GENERATED_DIR}/completion.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME controlcenterctl)
install(FILES ${CC_GENERATED_DIR}/completion.zsh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions RENAME _controlcenterctl)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
              ${CC_GENERATED_DIR}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The package itself.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME controlcenter)
set(CPACK_PACKAGE_VENDOR "controlcenter")
set(CC_PACKAGE_MAINTAINER "controlcenter maintainers <maintainers@controlcenter.example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${CC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "operations control center daemon and command-line client")
set(CPACK_PACKAGE_DESCRIPTION
    "controlcenterd serves host metrics (CPU, memory, disks, network, processes), an\n"
    "agent and project registry and health probes over HTTP and WebSocket, with an\n"
    "authenticated admin API on a second listener. controlcenterctl is its\n"
    "command-line client. The daemon runs as a systemd notify service under its own\n"
    "system user.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# Absolute destinations (/etc, /lib/systemd/system) must land in the staging tree.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# A Debian revision makes the package non-native, as its changelog.Debian.gz says.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/controlcenter")
# dpkg-shlibdeps finds the packages of the libraries linked: the Poco ones (libpocoredis80 for the
# shared state among them), spdlog, SQLite, libpq.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser is the fallback for creating the system user where systemd-sysusers is missing.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/conffiles.in
               ${CC_GENERATED_DIR}/debian/conffiles @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${CC_GENERATED_DIR}/debian/conffiles)
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_SOURCE_DIR}/packaging/cpack_project_config.cmake)
include(CPack)
