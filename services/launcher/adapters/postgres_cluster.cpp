#include "adapters/postgres_cluster.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "adapters/child_process.h"

namespace fleetdeck::launcher {
namespace {

namespace fs = std::filesystem;

Status chownToUser(const fs::path& path, const std::string& user) {
  const passwd* account = getpwnam(user.c_str());
  if (account == nullptr) return failedPrecondition("system user '" + user + "' does not exist");
  if (chown(path.c_str(), account->pw_uid, account->pw_gid) != 0) {
    return internalError("cannot chown " + path.string() + " to " + user);
  }
  return Status::ok();
}

// Every ancestor must be searchable by the server's user, or it cannot reach its data folder.
Status checkTraversable(const fs::path& path) {
  for (fs::path current = path.parent_path(); !current.empty() && current != current.root_path();
       current = current.parent_path()) {
    std::error_code error;
    const auto permissions = fs::status(current, error).permissions();
    if (error) continue;
    if ((permissions & fs::perms::others_exec) == fs::perms::none) {
      return failedPrecondition("PostgreSQL runs as user 'postgres' and cannot enter " + current.string() +
                                " (mode lacks o+x); choose a data folder outside it");
    }
  }
  return Status::ok();
}

}  // namespace

Result<fs::path> PostgresCluster::binaryDirectory() {
  const fs::path root = "/usr/lib/postgresql";
  std::error_code error;
  int best = -1;
  fs::path found;
  for (const auto& entry : fs::directory_iterator(root, error)) {
    const std::string name = entry.path().filename().string();
    const int major = std::atoi(name.c_str());
    if (major > best && fs::exists(entry.path() / "bin" / "initdb")) {
      best = major;
      found = entry.path() / "bin";
    }
  }
  if (best < 0) return failedPrecondition("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  return found;
}

std::string PostgresCluster::runAs() const { return runningAsRoot() ? "postgres" : ""; }

Status PostgresCluster::initialize() {
  const fs::path& data = options_.dataDirectory;
  if (fs::exists(data / "PG_VERSION")) return Status::ok();
  auto bin = binaryDirectory();
  if (!bin) return bin.status();
  // initdb works in a folder beside the data folder, renamed into place only once it succeeded: an
  // initdb interrupted (Ctrl+C, a timeout, a power loss) leaves only that folder, which the next
  // start throws away, never a half-made cluster that looks like a real one.
  const fs::path building = data.parent_path() / (data.filename().string() + ".initdb");
  std::error_code error;
  if (fs::exists(data, error) && !fs::is_empty(data, error)) {
    return failedPrecondition(data.string() + " holds files but no PostgreSQL cluster (no PG_VERSION); move it away "
                              "or delete it, and a new cluster is made there");
  }
  fs::remove_all(building, error);
  if (error) return internalError("cannot remove the unfinished " + building.string() + ": " + error.message());
  fs::create_directories(building, error);
  if (error) return internalError("cannot create " + building.string() + ": " + error.message());
  fs::permissions(building, fs::perms::owner_all, error);
  if (runningAsRoot()) {
    FLEETDECK_RETURN_IF_ERROR(checkTraversable(building));
    FLEETDECK_RETURN_IF_ERROR(chownToUser(building, "postgres"));
  }
  ProcessSpec initdb;
  initdb.executable = *bin / "initdb";
  initdb.runAsUser = runAs();
  initdb.arguments = {"-D", building.string(), "-U", options_.superuser, "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"};
  fs::path passwordFile;
  if (options_.password.empty()) {
    initdb.arguments.push_back("--auth=trust");
  } else {
    // The password reaches initdb through a file owned by the server's user, never the command
    // line; created 0600, so it is never readable by anyone else, not even for a moment.
    passwordFile = data.parent_path() / (data.filename().string() + ".pwfile");
    fs::remove(passwordFile, error);
    const int fd = ::open(passwordFile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return internalError("cannot create " + passwordFile.string() + ": " + std::strerror(errno));
    const std::string line = options_.password + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!written) {
      fs::remove(passwordFile, error);
      return internalError("cannot write " + passwordFile.string());
    }
    if (runningAsRoot()) {
      if (Status owned = chownToUser(passwordFile, "postgres"); !owned.isOk()) {
        fs::remove(passwordFile, error);
        return owned;
      }
    }
    initdb.arguments.push_back("--pwfile=" + passwordFile.string());
    initdb.arguments.push_back("--auth-host=scram-sha-256");
    initdb.arguments.push_back("--auth-local=peer");
  }
  std::string output;
  const Status status = runCommand(initdb, &output, std::chrono::seconds(120));
  if (!passwordFile.empty()) fs::remove(passwordFile, error);
  if (!status.isOk()) {
    fs::remove_all(building, error);
    return Status(status.code(), "initdb failed: " + status.message());
  }
  fs::remove(data, error);  // an empty folder only; one with files in it was refused above
  fs::rename(building, data, error);
  if (error) return internalError("cannot move the new cluster to " + data.string() + ": " + error.message());
  return Status::ok();
}

Status PostgresCluster::start(std::chrono::milliseconds timeout) {
  auto bin = binaryDirectory();
  if (!bin) return bin.status();
  if (portInUse(options_.port)) {
    return failedPrecondition("port " + std::to_string(options_.port) +
                              " on 127.0.0.1 is already in use; is another PostgreSQL running there?");
  }
  // pg_ctl hands these to a shell, so no path may be among them (a data folder with a space split
  // it); no Unix socket either: everything connects over TCP to 127.0.0.1, and a socket path under a
  // deep data folder would pass the 107-byte limit.
  std::string settings = "-p " + std::to_string(options_.port) +
                         " -c listen_addresses=127.0.0.1"
                         " -c unix_socket_directories=''"
                         " -c max_connections=" + std::to_string(options_.maxConnections);
  if (options_.fastUnsafe) settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  ProcessSpec pgctl;
  pgctl.executable = *bin / "pg_ctl";
  pgctl.runAsUser = runAs();
  pgctl.arguments = {"-D", options_.dataDirectory.string(), "-o", settings, "-w",
                     "-t", std::to_string(std::max<int64_t>(1, timeout.count() / 1000)), "-s"};
  if (!options_.logFile.empty()) {
    std::error_code error;
    fs::create_directories(options_.logFile.parent_path(), error);
    if (runningAsRoot()) {
      std::ofstream touch(options_.logFile, std::ios::app);
      touch.close();
      FLEETDECK_RETURN_IF_ERROR(chownToUser(options_.logFile, "postgres"));
    }
    pgctl.arguments.push_back("-l");
    pgctl.arguments.push_back(options_.logFile.string());
  }
  pgctl.arguments.push_back("start");
  // A postmaster.pid left by a crash or a power loss that names a live process other than PostgreSQL
  // would make PostgreSQL refuse to start for good: it cannot tell either. (A dead pid it handles
  // itself, checking its old shared memory for orphaned backends, so that file stays.)
  if (lockFileNamesAnotherProgram()) {
    std::error_code error;
    fs::remove(options_.dataDirectory / "postmaster.pid", error);
  }
  std::string output;
  const Status status = runCommand(pgctl, &output, timeout + std::chrono::seconds(5));
  if (!status.isOk()) {
    return Status(status.code(), "PostgreSQL did not start: " + status.message() +
                                     (options_.logFile.empty() ? "" : " (see " + options_.logFile.string() + ")"));
  }
  return Status::ok();
}

Status PostgresCluster::stop() {
  if (!running()) return Status::ok();
  auto bin = binaryDirectory();
  if (!bin) return bin.status();
  ProcessSpec pgctl;
  pgctl.executable = *bin / "pg_ctl";
  pgctl.runAsUser = runAs();
  pgctl.arguments = {"-D", options_.dataDirectory.string(), "-m", "fast", "-w", "-t", "30", "-s", "stop"};
  return runCommand(pgctl, nullptr, std::chrono::seconds(40));
}

bool PostgresCluster::running() const {
  std::ifstream pidFile(options_.dataDirectory / "postmaster.pid");
  pid_t pid = 0;
  if (!(pidFile >> pid)) return false;
  return processAlive(pid) && !lockFileNamesAnotherProgram();
}

bool PostgresCluster::lockFileNamesAnotherProgram() const {
  std::ifstream pidFile(options_.dataDirectory / "postmaster.pid");
  pid_t pid = 0;
  if (!(pidFile >> pid) || !processAlive(pid)) return false;
  // Unknown (not ours to read) counts as PostgreSQL: nothing is removed on a guess.
  const std::string executable = processExecutable(pid).filename().string();
  return !executable.empty() && !executable.starts_with("postgres");
}

Status PostgresCluster::createDatabase(const std::string& name) {
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return invalidArgument("database name '" + name + "' may contain only letters, digits and '_'");
    }
  }
  try {
    pqxx::connection connection(url("postgres"));
    pqxx::nontransaction session(connection);
    const auto exists = session.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name);
    if (exists.empty()) session.exec("CREATE DATABASE " + session.quote_name(name));
    return Status::ok();
  } catch (const std::exception& exception) {
    return unavailable("cannot create database " + name + ": " + exception.what());
  }
}

std::string PostgresCluster::url(const std::string& database) const {
  std::string credentials = options_.superuser;
  if (!options_.password.empty()) credentials += ":" + options_.password;
  return "postgresql://" + credentials + "@127.0.0.1:" + std::to_string(options_.port) + "/" + database;
}

}  // namespace fleetdeck::launcher
