// What the project opens and writes must be a regular file: whole-file writes that a reader
// never sees half done and that never replace a device node or a symbolic link, and reads that
// never wait on a FIFO.
#pragma once

#include <cstddef>
#include <string>

namespace emotion::io {

// Writes `size` bytes to `path` as one step: the data goes to an unnamed temporary file in the
// target's directory (O_TMPFILE; a named PATH.tmp-XXXXXX where the file system lacks it), is
// fsynced, and is renamed over `path`. A crash or kill leaves the old file or the new one and,
// with O_TMPFILE, no temporary file. A target that exists and is not a regular file (device
// node, FIFO, directory, socket, symbolic link) is refused: a rename would replace it rather than
// write to it. Throws std::runtime_error naming the path and the reason.
void write_file_atomically(const std::string& path, const void* data, size_t size);
inline void write_file_atomically(const std::string& path, const std::string& text) {
    write_file_atomically(path, text.data(), text.size());
}

// Throws std::runtime_error when `path` exists and is not a regular file (the rule above), so
// a writer can refuse before it spends time producing the contents.
void check_replaceable(const std::string& path);

// Throws std::runtime_error unless `path` names a regular file (after symbolic links): a FIFO
// would block the reader forever, a device could stream without end. `what` names the file's
// role in the message ("manifest", "model").
void require_regular_file(const std::string& path, const std::string& what);

} // namespace emotion::io
