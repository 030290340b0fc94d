// A private PostgreSQL cluster in a folder of ours: initdb, start on a loopback port, create
// databases, stop. Used by `./fleetdeck up` and by the test fixtures.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fleetdeck/core/status.h"

namespace fleetdeck::launcher {

struct PostgresOptions {
  std::filesystem::path dataDirectory;
  uint16_t port = 15432;
  std::string superuser = "fleetdeck";
  // Empty: trust authentication on 127.0.0.1 (tests). Otherwise scram-sha-256 with this password.
  std::string password;
  std::filesystem::path logFile;
  // Durability off: for throwaway test clusters only.
  bool fastUnsafe = false;
  int maxConnections = 200;
};

class PostgresCluster {
 public:
  explicit PostgresCluster(PostgresOptions options) : options_(std::move(options)) {}

  // The folder with initdb, pg_ctl, postgres (highest installed major version).
  static Result<std::filesystem::path> binaryDirectory();

  // initdb when the data folder is not initialised yet; idempotent.
  Status initialize();
  // Starts the server and waits until it accepts connections.
  Status start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Fast shutdown (disconnects clients, no data loss).
  Status stop();
  // Its postmaster runs: postmaster.pid names a live PostgreSQL process.
  bool running() const;
  Status createDatabase(const std::string& name);

  // postgresql://user[:password]@127.0.0.1:port/database
  std::string url(const std::string& database) const;
  const PostgresOptions& options() const { return options_; }

 private:
  std::string runAs() const;
  // postmaster.pid names a live process that is not PostgreSQL (its pid was reused).
  bool lockFileNamesAnotherProgram() const;
  PostgresOptions options_;
};

}  // namespace fleetdeck::launcher
