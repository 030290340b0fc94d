# Every third-party dependency of the fleet, found once. All come from Debian 12 packages
# (`./fleetdeck setup` installs them); pkg-config is used where Debian's CMake configs are broken.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf>=3.21)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++>=1.51)
find_program(FLEETDECK_PROTOC protoc REQUIRED)
find_program(FLEETDECK_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_library(FLEETDECK_GRPCPP_REFLECTION grpc++_reflection REQUIRED)

# gRPC, protobuf and Abseil linked statically (Debian ships their .a files). As shared libraries they
# are some 60 files per process, each loaded, symbol-resolved and relocated, with its touched code
# and data resident: idle RSS (bench.footprint) users 23.1 -> 18.7 MiB (issue 2's budget: 20),
# gateway 24.1 -> 20.1 MiB. Only the objects a binary uses are copied in. OpenSSL, zlib and c-ares
# stay shared: the system's security updates reach them without a rebuild, and libpq and libnats
# load them anyway. The costs: a Debian update of gRPC or protobuf reaches the binaries only with a
# rebuild, and services on one machine no longer share gRPC's code pages (users' PSS 9.2 -> 10.7 MiB
# beside the gateway in the bench; a container per service, packaging/containers, never shared them).
option(FLEETDECK_STATIC_GRPC "Link gRPC, protobuf and Abseil statically (smaller RSS per process)" ON)
if(FLEETDECK_STATIC_GRPC)
  # fleetdeck_link_statically(<imported target> <pkg-config library names...>): the target links the
  # libraries' .a files instead, keeping the system ones shared.
  function(fleetdeck_link_statically target)
    set(keep_shared ssl crypto z cares dl atomic pthread m rt)
    set(archives)
    set(shared)
    foreach(name IN LISTS ARGN)
      if(name IN_LIST keep_shared)
        list(APPEND shared ${name})
        continue()
      endif()
      string(MAKE_C_IDENTIFIER "FLEETDECK_ARCHIVE_${name}" archive)
      find_library(${archive} NAMES lib${name}.a REQUIRED)
      list(APPEND archives ${${archive}})
    endforeach()
    # pkg-config lists libraries before what they need, and repeats Abseil's: keep the last of each,
    # and the shared libraries after every archive that needs them.
    list(REVERSE archives)
    list(REMOVE_DUPLICATES archives)
    list(REVERSE archives)
    list(REMOVE_DUPLICATES shared)
    set_target_properties(${target} PROPERTIES
      INTERFACE_LINK_LIBRARIES "${archives};${shared};Threads::Threads;${CMAKE_DL_LIBS}"
      INTERFACE_LINK_OPTIONS "")
  endfunction()
  # Same target names as the shared build, so modules link them alike.
  fleetdeck_link_statically(PkgConfig::PROTOBUF ${PROTOBUF_STATIC_LIBRARIES})
  fleetdeck_link_statically(PkgConfig::GRPCPP ${GRPCPP_STATIC_LIBRARIES} ${PROTOBUF_STATIC_LIBRARIES})
  find_library(FLEETDECK_ARCHIVE_grpc___reflection NAMES libgrpc++_reflection.a REQUIRED)
  set(FLEETDECK_GRPCPP_REFLECTION ${FLEETDECK_ARCHIVE_grpc___reflection})
endif()

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
# HTTP/2 for the gateway's own gRPC client (backend/http/grpc_client.h).
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2>=1.52)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(spdlog REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(Boost 1.81 REQUIRED)

if(FLEETDECK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(FLEETDECK_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
