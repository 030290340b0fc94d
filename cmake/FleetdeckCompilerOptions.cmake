# Warnings and sanitizers shared by every FleetDeck target (through fleetdeck_target_defaults).
add_library(fleetdeck_build_options INTERFACE)
add_library(fleetdeck::build_options ALIAS fleetdeck_build_options)
target_compile_options(fleetdeck_build_options INTERFACE
  -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wno-missing-field-initializers)

# The sanitizers alone, also for code built without our warnings (the generated protobuf library):
# instrumented like the rest, and able to use the precompiled header, built with them.
add_library(fleetdeck_sanitize INTERFACE)
add_library(fleetdeck::sanitize ALIAS fleetdeck_sanitize)
target_link_libraries(fleetdeck_build_options INTERFACE fleetdeck_sanitize)
if(FLEETDECK_SANITIZE)
  list(JOIN FLEETDECK_SANITIZE "," _fd_sanitizers)
  target_compile_options(fleetdeck_sanitize INTERFACE -fsanitize=${_fd_sanitizers} -fno-omit-frame-pointer)
  target_link_options(fleetdeck_sanitize INTERFACE -fsanitize=${_fd_sanitizers})
  target_sources(fleetdeck_sanitize INTERFACE ${CMAKE_CURRENT_LIST_DIR}/sanitizer_defaults.cpp)
endif()

# Link with lld/gold when present: linking the gRPC-heavy binaries is a visible share of a clean build.
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_LINK_OPTIONS "-fuse-ld=gold")
check_cxx_source_compiles("int main(){return 0;}" FLEETDECK_HAS_GOLD)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(FLEETDECK_HAS_GOLD AND NOT FLEETDECK_SANITIZE)
  target_link_options(fleetdeck_build_options INTERFACE -fuse-ld=gold)
endif()

# The services' allocator: tcmalloc (gperftools' tcmalloc_minimal, Debian's libtcmalloc-minimal4).
# Every gRPC call, protobuf message and libpq result allocates, from many threads; with glibc malloc
# that was ~10 % of a service's CPU. bench.saga, same run order A/B: CPU per saga orders 4680 -> 3843 us,
# products 1592 -> 1173 us, payments 959 -> 822 us. Linked without --as-needed (nothing names it:
# it replaces malloc by interposition). Not with sanitizers, which bring their own allocator.
option(FLEETDECK_TCMALLOC "Link the services with tcmalloc_minimal when it is installed" ON)
add_library(fleetdeck_allocator INTERFACE)
add_library(fleetdeck::allocator ALIAS fleetdeck_allocator)
if(FLEETDECK_TCMALLOC AND NOT FLEETDECK_SANITIZE)
  find_library(FLEETDECK_TCMALLOC_LIBRARY NAMES tcmalloc_minimal libtcmalloc_minimal.so.4)
  if(FLEETDECK_TCMALLOC_LIBRARY)
    target_link_libraries(fleetdeck_allocator INTERFACE
      "-Wl,--push-state,--no-as-needed" "${FLEETDECK_TCMALLOC_LIBRARY}" "-Wl,--pop-state")
  else()
    message(STATUS "tcmalloc_minimal not found: the services use glibc malloc (./fleetdeck setup installs it)")
  endif()
endif()
