// safetensors model files: reading with full validation, writing atomically.
//
// Layout: u64 little-endian header length N, N bytes of JSON
// {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...},
// then the data section (offsets relative to its start). The reader checks every field and
// offset, so a corrupt or hostile file is a FormatError with a message, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/tensor.h"

namespace emotion::io {

class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class DType { F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL };
const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);

struct TensorEntry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0; // byte offsets inside the data section
};

class SafetensorsFile {
public:
    // Reads and validates a whole file; throws FormatError ("PATH: what is wrong").
    static SafetensorsFile read(const std::string& path);
    // Validates an in-memory file (the fuzz target's entry point).
    static SafetensorsFile parse(const uint8_t* data, size_t size, const std::string& origin = "<memory>");

    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    std::string metadata_value(const std::string& key, const std::string& fallback = "") const;
    std::vector<std::string> names() const;
    bool has(const std::string& name) const { return entries_.count(name) != 0; }
    const TensorEntry& entry(const std::string& name) const; // throws FormatError when missing

    // Typed reads; throw FormatError on a wrong dtype, naming tensor, got and expected.
    nn::Tensor f32(const std::string& name) const;
    // Checks the shape too: "tensor 'x': shape [3, 4], expected [4, 4]".
    nn::Tensor f32(const std::string& name, const std::vector<int64_t>& expected_shape) const;
    std::vector<int64_t> i64(const std::string& name) const;

private:
    std::string origin_;
    std::map<std::string, std::string> metadata_;
    std::map<std::string, TensorEntry> entries_;
    std::vector<uint8_t> data_; // data section
};

class SafetensorsWriter {
public:
    void set_metadata(const std::string& key, const std::string& value);
    void add(const std::string& name, const nn::Tensor& tensor);
    void add_i64(const std::string& name, const std::vector<int64_t>& values,
                 const std::vector<int64_t>& shape);
    std::vector<uint8_t> serialize() const;
    // io::write_file_atomically: a crash never leaves a partial file; a target that is not a
    // regular file (device node, symbolic link, FIFO) is refused.
    void write_atomic(const std::string& path) const;

private:
    struct Pending {
        DType dtype;
        std::vector<int64_t> shape;
        std::vector<uint8_t> bytes;
    };
    std::map<std::string, std::string> metadata_;
    std::map<std::string, Pending> tensors_;
};

} // namespace emotion::io
