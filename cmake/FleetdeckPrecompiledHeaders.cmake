# Precompiled headers for the code that includes gRPC, protobuf, libpqxx and Boost.JSON (the fleet's
# libraries and generated protobuf code) and for the test code (which adds gtest). Parsing those headers
# was 8-12 s of every such file's compile; a precompiled header parses them once per build.
#
# GCC accepts a precompiled header only under the same -O, -g and -fPIC/-fPIE as the file using it, and
# with every macro it was built with defined alike: each header is built by a "host" target with the
# flags of its users (static libraries: -fPIC; test executables: -fPIE), and users get the host's one
# -D (Abseil's pkg-config adds -DNOMINMAX). -Winvalid-pch (CMake adds it) reports any file that could
# not use its header; it still compiles, only slower.
option(FLEETDECK_PCH "Precompile the heavy third-party headers" ON)

# Test code compiles unoptimised: what a test does is wait on processes and sockets, and the code under
# test (backend modules, services) keeps the build type's flags. At -O2 -g a test file took 23-35 s, at
# -O0 -g 12-13 s, and against the precompiled header 3-7 s.
option(FLEETDECK_OPTIMIZE_TESTS "Compile test code with the build type's optimisation (slower build)" OFF)
set(FLEETDECK_TEST_CODE_OPTIONS "")
if(NOT FLEETDECK_OPTIMIZE_TESTS)
  set(FLEETDECK_TEST_CODE_OPTIONS -O0)
endif()

set(fleetdeck_pch_third_party
  <algorithm> <atomic> <chrono> <cstdint> <functional> <map> <memory> <mutex> <optional> <set>
  <string> <string_view> <thread> <unordered_map> <vector>
  <boost/json.hpp> <pqxx/pqxx> <grpcpp/grpcpp.h> <google/protobuf/message.h>
  <google/protobuf/generated_message_reflection.h> <google/protobuf/util/json_util.h>)

# fleetdeck_ccache_accepts_pch(<target>): ccache runs the real compiler on every file that uses a
# precompiled header unless told that __DATE__/__TIME__ and defines around the header do not matter
# (they do not here); Debian's ccache 4.7 takes that only from its environment or config file.
function(fleetdeck_ccache_accepts_pch target)
  if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
    set_target_properties(${target} PROPERTIES CXX_COMPILER_LAUNCHER
      "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros;${CMAKE_CXX_COMPILER_LAUNCHER}")
  endif()
endfunction()

# fleetdeck_reuse_pch(<target> <host>): <target> compiles against <host>'s precompiled header.
function(fleetdeck_reuse_pch target host)
  if(NOT FLEETDECK_PCH)
    return()
  endif()
  target_precompile_headers(${target} REUSE_FROM ${host})
  target_compile_definitions(${target} PRIVATE NOMINMAX)
  # GCC 12 warns falsely about libstdc++'s inlined std::string concatenation (-Warray-bounds,
  # -Wstringop-overflow); the warnings are silenced inside system headers, but not when they come in
  # through a precompiled header.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overflow)
  endif()
  fleetdeck_ccache_accepts_pch(${target})
endfunction()

if(FLEETDECK_PCH)
  set(fleetdeck_pch_dir "${CMAKE_BINARY_DIR}/precompiled")
  file(CONFIGURE OUTPUT "${fleetdeck_pch_dir}/library_host.cpp"
       CONTENT "// Builds the fleet libraries' precompiled header (cmake/FleetdeckPrecompiledHeaders.cmake).\n")
  file(CONFIGURE OUTPUT "${fleetdeck_pch_dir}/test_host.cpp"
       CONTENT "// Builds the test code's precompiled header (cmake/FleetdeckPrecompiledHeaders.cmake); never run.\nint main() { return 0; }\n")

  # The fleet's static libraries (-O<build type> -fPIC).
  add_library(fleetdeck_library_pch STATIC "${fleetdeck_pch_dir}/library_host.cpp")
  target_link_libraries(fleetdeck_library_pch PRIVATE PkgConfig::GRPCPP PkgConfig::PROTOBUF PkgConfig::PQXX
                                                      Boost::headers fleetdeck::build_options)
  target_precompile_headers(fleetdeck_library_pch PRIVATE ${fleetdeck_pch_third_party})
  fleetdeck_ccache_accepts_pch(fleetdeck_library_pch)

  # Test executables (-O0 -fPIE).
  if(FLEETDECK_BUILD_TESTS)
    add_executable(fleetdeck_test_pch "${fleetdeck_pch_dir}/test_host.cpp")
    target_compile_options(fleetdeck_test_pch PRIVATE ${FLEETDECK_TEST_CODE_OPTIONS})
    target_link_libraries(fleetdeck_test_pch PRIVATE GTest::gtest PkgConfig::GRPCPP PkgConfig::PROTOBUF
                                                     PkgConfig::PQXX Boost::headers fleetdeck::build_options)
    target_precompile_headers(fleetdeck_test_pch PRIVATE
      ${fleetdeck_pch_third_party} <filesystem> <fstream> <future> <sstream> <gtest/gtest.h>)
    fleetdeck_ccache_accepts_pch(fleetdeck_test_pch)
  endif()
endif()

# fleetdeck_use_library_pch(<target>...): fleet libraries compile against the libraries' header.
function(fleetdeck_use_library_pch)
  foreach(target IN LISTS ARGN)
    fleetdeck_reuse_pch(${target} fleetdeck_library_pch)
  endforeach()
endfunction()

# fleetdeck_use_test_code_options(<target>): test code's compile options and precompiled header.
function(fleetdeck_use_test_code_options target)
  target_compile_options(${target} PRIVATE ${FLEETDECK_TEST_CODE_OPTIONS})
  fleetdeck_reuse_pch(${target} fleetdeck_test_pch)
endfunction()
