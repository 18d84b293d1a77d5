#include "io/files.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace emotion::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
    throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

std::string directory_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

const char* kind_of(mode_t mode) {
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Closes the descriptor and removes a named temporary file unless released.
struct PendingFile {
    int fd = -1;
    std::string named; // empty for an O_TMPFILE file
    ~PendingFile() {
        if (fd >= 0) ::close(fd);
        if (!named.empty()) ::unlink(named.c_str());
    }
};

void write_all(int fd, const void* data, size_t size, const std::string& path) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, "write failed", errno);
        p += n;
        size -= static_cast<size_t>(n);
    }
}

// A name for the finished temporary file next to the target; linkat gives the unnamed file this
// name just before the rename (linkat cannot replace an existing file).
int link_under_unique_name(int fd, const std::string& path, std::string& named) {
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    for (int attempt = 0; attempt < 100; ++attempt) {
        named = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(attempt);
        if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, named.c_str(), AT_SYMLINK_FOLLOW) == 0) return 0;
        if (errno != EEXIST) break;
    }
    const int error = errno;
    named.clear();
    return error;
}

} // namespace

void check_replaceable(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail(path, "cannot inspect the target", errno);
    }
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error(path + ": is " + kind_of(st.st_mode) +
                                 ", not a regular file; refusing to replace it (write to a file path)");
}

void require_regular_file(const std::string& path, const std::string& what) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) fail(path, "cannot open the " + what, errno);
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error(path + ": the " + what + " is " + kind_of(st.st_mode) +
                                 ", not a regular file");
}

void write_file_atomically(const std::string& path, const void* data, size_t size) {
    if (path.empty()) throw std::runtime_error("cannot write a file without a name");
    check_replaceable(path);
    const std::string directory = directory_of(path);
    PendingFile file;
    file.fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (file.fd < 0) {
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            fail(path, "cannot create a temporary file in " + directory, errno);
        file.named = path + ".tmp-XXXXXX";
        file.fd = ::mkstemp(file.named.data());
        if (file.fd < 0) {
            const int error = errno;
            file.named.clear();
            fail(path, "cannot create a temporary file", error);
        }
    }
    write_all(file.fd, data, size, path);
    // Model and report files are ordinary data files (mkstemp creates 0600; O_TMPFILE honours
    // the umask).
    if (::fchmod(file.fd, 0644) != 0) fail(path, "chmod failed", errno);
    if (::fsync(file.fd) != 0) fail(path, "fsync failed", errno);
    if (file.named.empty()) {
        const int error = link_under_unique_name(file.fd, path, file.named);
        if (error) fail(path, "cannot name the temporary file", error);
    }
    check_replaceable(path); // the target may have changed while the data was written
    if (::rename(file.named.c_str(), path.c_str()) != 0) fail(path, "rename failed", errno);
    file.named.clear();
    // Make the rename itself durable.
    const int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory_fd >= 0) {
        ::fsync(directory_fd);
        ::close(directory_fd);
    }
}

} // namespace emotion::io
