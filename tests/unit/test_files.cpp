// io/files: atomic writes that never replace what is not a regular file and leave no temporary
// file behind when killed; reads that refuse FIFOs and devices instead of blocking on them.
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "io/files.h"
#include "io/manifest.h"
#include "io/safetensors.h"
#include "io/wav.h"
#include "test_main.h"

using emotion::io::write_file_atomically;
using emotion::test::temp_path;

namespace {

// Message of the exception `f` throws ("" when it throws nothing).
template <typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) { return e.what(); }
    return "";
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.push_back(e->d_name);
        ::closedir(d);
    }
    return names;
}

} // namespace

TEST(atomic_write_creates_and_replaces_regular_files) {
    const std::string path = temp_path("report.json");
    write_file_atomically(path, std::string("first\n"));
    EXPECT(read_text(path) == "first\n");
    write_file_atomically(path, std::string("second\n"));
    EXPECT(read_text(path) == "second\n");
    struct stat st;
    EXPECT(::stat(path.c_str(), &st) == 0 && (st.st_mode & 0777) == 0644);
}

TEST(atomic_write_refuses_a_symlink_and_keeps_it_n) {
    const std::string target = temp_path("symlink-target.txt"), link = temp_path("link.txt");
    write_file_atomically(target, std::string("kept"));
    EXPECT(::symlink(target.c_str(), link.c_str()) == 0);
    const std::string error = error_of([&] { write_file_atomically(link, std::string("new")); });
    EXPECT_MSG(contains(error, "symbolic link") && contains(error, "refusing"), error);
    struct stat st;
    EXPECT(::lstat(link.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
    EXPECT(read_text(target) == "kept");
}

TEST(atomic_write_refuses_a_fifo_and_a_device_n) {
    const std::string fifo = temp_path("fifo");
    EXPECT(::mkfifo(fifo.c_str(), 0644) == 0);
    std::string error = error_of([&] { write_file_atomically(fifo, std::string("x")); });
    EXPECT_MSG(contains(error, "a FIFO"), error);
    struct stat st;
    EXPECT(::lstat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode));

    // A private copy of /dev/null (character device 1:3), as `emotionsink report=/dev/null` would
    // hit as root; making device nodes needs root, elsewhere the FIFO case above stands for it.
    const std::string device = temp_path("null-device");
    if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        error = error_of([&] { emotion::io::SafetensorsWriter().write_atomic(device); });
        EXPECT_MSG(contains(error, "a device"), error);
        EXPECT(::lstat(device.c_str(), &st) == 0 && S_ISCHR(st.st_mode));
    } else {
        std::printf("  (not root: no device-node case)\n");
    }
}

TEST(killed_writer_leaves_no_temporary_file) {
    // A child writes a 64 MB file again and again; killed in the middle of a write, it must leave
    // the target (old or new) and nothing else in the directory.
    const std::string dir = temp_path("killed");
    ::mkdir(dir.c_str(), 0755);
    const std::string path = dir + "/model.safetensors";
    const pid_t child = ::fork();
    if (child == 0) {
        const std::string data(64u << 20, 'x');
        for (;;) write_file_atomically(path, data);
    }
    for (int i = 0; i < 200 && entries(dir).empty(); ++i) ::usleep(10000); // first file written
    ::usleep(30000);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    const std::vector<std::string> left = entries(dir);
    std::string listing;
    for (const auto& name : left) listing += name + " ";
    EXPECT_MSG(left.size() <= 1, listing);
    for (const auto& name : left) EXPECT_MSG(name == "model.safetensors", listing);
}

TEST(readers_refuse_fifos_instead_of_blocking_n) {
    const std::string fifo = temp_path("input-fifo");
    ::mkfifo(fifo.c_str(), 0644);
    std::string error = error_of([&] { emotion::io::SafetensorsFile::read(fifo); });
    EXPECT_MSG(contains(error, "not a regular file"), error);
    error = error_of([&] { emotion::io::read_manifest(fifo); });
    EXPECT_MSG(contains(error, "manifest is a FIFO"), error);
    error = error_of([&] { emotion::io::read_wav(fifo); });
    EXPECT_MSG(contains(error, "WAV file is a FIFO"), error);
    error = error_of([&] { emotion::io::read_manifest(temp_path("no-such-manifest.csv")); });
    EXPECT_MSG(contains(error, "cannot open the manifest"), error);
}

TEST_MAIN()
