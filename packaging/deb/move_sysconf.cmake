# CPack pre-build script: GNUInstallDirs keeps CMAKE_INSTALL_SYSCONFDIR relative ("etc"), so with the
# packages' /usr prefix the services' default configs would land in /usr/etc/fleetdeck. Debian keeps
# them in /etc (as conffiles): move <staging>/usr/etc to <staging>/etc before the .deb is made.
file(GLOB _fd_staging_roots LIST_DIRECTORIES true "${CPACK_TEMPORARY_DIRECTORY}/*")
foreach(_fd_root IN ITEMS "${CPACK_TEMPORARY_DIRECTORY}" ${_fd_staging_roots})
  set(_fd_from "${_fd_root}${CPACK_PACKAGING_INSTALL_PREFIX}/etc")
  if(IS_DIRECTORY "${_fd_from}")
    file(MAKE_DIRECTORY "${_fd_root}/etc")
    file(GLOB _fd_entries RELATIVE "${_fd_from}" "${_fd_from}/*")
    foreach(_fd_entry IN LISTS _fd_entries)
      file(RENAME "${_fd_from}/${_fd_entry}" "${_fd_root}/etc/${_fd_entry}")
    endforeach()
    file(REMOVE_RECURSE "${_fd_from}")
    message(STATUS "FleetDeck: moved ${_fd_from} to ${_fd_root}/etc")
  endif()
endforeach()
