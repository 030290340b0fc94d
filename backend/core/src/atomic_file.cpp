#include "fleetdeck/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fleetdeck/core/ids.h"

namespace fleetdeck {

Status writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  const std::string temporary = path.string() + ".tmp-" + randomHex(4);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return unavailable("cannot create " + temporary + ": " + std::strerror(errno));
  int error = 0;  // the first failure's errno
  // open() applies the umask; the mode asked for is the mode meant (e.g. 0644 for the state file).
  if (::fchmod(fd, mode) != 0) error = errno;
  for (size_t written = 0; error == 0 && written < content.size();) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      error = errno;
    } else if (n == 0) {
      error = EIO;
    }
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary.c_str());
    return unavailable("cannot write " + path.string() + ": " + std::strerror(error));
  }
  return Status::ok();
}

}  // namespace fleetdeck
