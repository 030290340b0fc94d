# Warnings and sanitizers shared by every FleetDeck target (through fleetdeck_target_defaults).
add_library(fleetdeck_build_options INTERFACE)
add_library(fleetdeck::build_options ALIAS fleetdeck_build_options)
target_compile_options(fleetdeck_build_options INTERFACE
  -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wno-missing-field-initializers)

if(FLEETDECK_SANITIZE)
  list(JOIN FLEETDECK_SANITIZE "," _fd_sanitizers)
  target_compile_options(fleetdeck_build_options INTERFACE -fsanitize=${_fd_sanitizers} -fno-omit-frame-pointer)
  target_link_options(fleetdeck_build_options INTERFACE -fsanitize=${_fd_sanitizers})
endif()

# Link with lld/gold when present: linking the gRPC-heavy binaries is a visible share of a clean build.
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS "-fuse-ld=gold")
check_cxx_source_compiles("int main(){return 0;}" FLEETDECK_HAS_GOLD)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(FLEETDECK_HAS_GOLD AND NOT FLEETDECK_SANITIZE)
  target_link_options(fleetdeck_build_options INTERFACE -fuse-ld=gold)
endif()
