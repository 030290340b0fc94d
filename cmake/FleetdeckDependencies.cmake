# Every third-party dependency of the fleet, found once. All come from Debian 12 packages
# (`./fleetdeck setup` installs them); pkg-config is used where Debian's CMake configs are broken.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(PROTOBUF REQUIRED IMPORTED_TARGET protobuf>=3.21)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++>=1.51)
find_program(FLEETDECK_PROTOC protoc REQUIRED)
find_program(FLEETDECK_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_library(FLEETDECK_GRPCPP_REFLECTION grpc++_reflection REQUIRED)

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
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
