#include "io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/files.h"
#include "io/untrusted_json.h"

namespace emotion::io {

namespace {

using nlohmann::json;

// Headers larger than this are refused before anything is allocated for them (the reference
// implementation uses the same 100 MB limit).
constexpr uint64_t kMaxHeaderBytes = 100u << 20;
constexpr size_t kMaxRank = 16;

static_assert(sizeof(float) == 4 && sizeof(int64_t) == 8, "unexpected type sizes");

bool host_is_little_endian() {
    const uint32_t one = 1;
    uint8_t first;
    std::memcpy(&first, &one, 1);
    return first == 1;
}

struct DTypeInfo {
    DType dtype;
    const char* name;
    size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "F32", 4}, {DType::F64, "F64", 8},   {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4},   {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},   {DType::BOOL, "BOOL", 1},
};

bool dtype_from_name(const std::string& name, DType& dtype) {
    for (const auto& info : kDTypes)
        if (name == info.name) {
            dtype = info.dtype;
            return true;
        }
    return false;
}

std::string shape_string(const std::vector<int64_t>& shape) { return nn::shape_to_string(shape); }

// JSON value as a short, printable string for error messages (truncated).
std::string brief(const json& value) {
    std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
    throw FormatError(origin + ": " + message);
}

[[noreturn]] void fail_tensor(const std::string& origin, const std::string& name,
                              const std::string& message) {
    fail(origin, "tensor '" + name + "': " + message);
}

uint64_t read_u64_le(const uint8_t* p) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
    return value;
}

void write_u64_le(uint8_t* p, uint64_t value) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(value >> (8 * i));
}

// Parses the JSON header, refusing duplicate top-level keys (nlohmann would keep the last one
// silently, so a tensor could be described twice with different offsets).
json parse_header_json(const std::string& origin, const uint8_t* text, size_t size) {
    if (!json_nesting_within(reinterpret_cast<const char*>(text), size))
        fail(origin, "header nests deeper than " + std::to_string(kMaxJsonNesting) + " levels");
    std::set<std::string> seen;
    std::string duplicate;
    json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text, text + size, callback, /*allow_exceptions=*/true,
                             /*ignore_comments=*/false);
    } catch (const json::exception& e) { fail(origin, std::string("header is not valid JSON: ") + e.what()); }
    if (!duplicate.empty()) fail(origin, "header names '" + duplicate + "' more than once");
    return header;
}

// A JSON integer as uint64 / int64, or an error naming the field.
bool json_u64(const json& value, uint64_t& out) {
    if (value.is_number_unsigned()) {
        out = value.get<uint64_t>();
        return true;
    }
    if (value.is_number_integer()) {
        int64_t v = value.get<int64_t>();
        if (v < 0) return false;
        out = static_cast<uint64_t>(v);
        return true;
    }
    return false;
}

} // namespace

const char* dtype_name(DType dtype) {
    for (const auto& info : kDTypes)
        if (info.dtype == dtype) return info.name;
    return "?";
}

size_t dtype_size(DType dtype) {
    for (const auto& info : kDTypes)
        if (info.dtype == dtype) return info.size;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Reading

SafetensorsFile SafetensorsFile::read(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below); regular files
    // ignore the flag.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
    std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, std::string("read error: ") + std::strerror(errno));
        if (n == 0) break; // shrank while reading: validated as a truncated file below
        done += static_cast<size_t>(n);
    }
    bytes.resize(done);
    return parse(bytes.data(), bytes.size(), path);
}

SafetensorsFile SafetensorsFile::parse(const uint8_t* data, size_t size, const std::string& origin) {
    if (!host_is_little_endian()) fail(origin, "big-endian hosts are not supported");
    if (size < 8)
        fail(origin, "file too short for the header length: got " + std::to_string(size) +
                         " bytes, expected at least 8");
    const uint64_t header_length = read_u64_le(data);
    const uint64_t available = size - 8;
    if (header_length > kMaxHeaderBytes)
        fail(origin, "header length " + std::to_string(header_length) + " exceeds the limit of " +
                         std::to_string(kMaxHeaderBytes) + " bytes");
    if (header_length > available)
        fail(origin, "header length " + std::to_string(header_length) + " exceeds the " +
                         std::to_string(available) + " bytes after the length field (truncated?)");
    if (header_length < 2 || data[8] != '{') fail(origin, "header must be a JSON object starting with '{'");

    const json header = parse_header_json(origin, data + 8, static_cast<size_t>(header_length));
    if (!header.is_object()) fail(origin, "header is " + brief(header) + ", expected a JSON object");

    const uint64_t data_size = available - header_length;
    SafetensorsFile file;
    file.origin_ = origin;

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const json& value = it.value();
        if (name == "__metadata__") {
            if (!value.is_object())
                fail(origin, "__metadata__ is " + brief(value) + ", expected an object of strings");
            for (auto m = value.begin(); m != value.end(); ++m) {
                if (!m.value().is_string())
                    fail(origin,
                         "__metadata__ '" + m.key() + "' is " + brief(m.value()) + ", expected a string");
                file.metadata_[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (name.empty()) fail(origin, "tensor with an empty name");
        if (!value.is_object())
            fail_tensor(origin, name, "entry is " + brief(value) + ", expected an object");
        for (auto f = value.begin(); f != value.end(); ++f)
            if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets")
                fail_tensor(origin, name, "unknown field '" + f.key() + "'");

        TensorEntry entry;
        entry.name = name;

        auto dtype_it = value.find("dtype");
        if (dtype_it == value.end()) fail_tensor(origin, name, "missing 'dtype'");
        if (!dtype_it->is_string() || !dtype_from_name(dtype_it->get<std::string>(), entry.dtype))
            fail_tensor(origin, name,
                        "dtype " + brief(*dtype_it) +
                            ", expected one of F32 F64 F16 BF16 I64 I32 I16 I8 U8 BOOL");

        auto shape_it = value.find("shape");
        if (shape_it == value.end()) fail_tensor(origin, name, "missing 'shape'");
        if (!shape_it->is_array())
            fail_tensor(origin, name, "shape " + brief(*shape_it) + ", expected an array");
        if (shape_it->size() > kMaxRank)
            fail_tensor(origin, name,
                        "rank " + std::to_string(shape_it->size()) + " exceeds the limit of " +
                            std::to_string(kMaxRank));
        uint64_t elements = 1;
        bool overflow = false;
        for (const auto& d : *shape_it) {
            uint64_t dim = 0;
            if (!json_u64(d, dim) || dim > static_cast<uint64_t>(INT64_MAX))
                fail_tensor(origin, name,
                            "shape " + brief(*shape_it) + ": dimensions must be non-negative integers");
            entry.shape.push_back(static_cast<int64_t>(dim));
            overflow |= __builtin_mul_overflow(elements, dim, &elements);
        }
        uint64_t expected_bytes = 0;
        overflow |=
            __builtin_mul_overflow(elements, static_cast<uint64_t>(dtype_size(entry.dtype)), &expected_bytes);

        auto offsets_it = value.find("data_offsets");
        if (offsets_it == value.end()) fail_tensor(origin, name, "missing 'data_offsets'");
        if (!offsets_it->is_array() || offsets_it->size() != 2 || !json_u64((*offsets_it)[0], entry.begin) ||
            !json_u64((*offsets_it)[1], entry.end))
            fail_tensor(origin, name,
                        "data_offsets " + brief(*offsets_it) +
                            ", expected [begin, end] (non-negative integers)");
        if (entry.begin > entry.end)
            fail_tensor(origin, name,
                        "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                            "]: begin after end");
        if (entry.end > data_size)
            fail_tensor(origin, name,
                        "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                            "] outside the data section of " + std::to_string(data_size) + " bytes");
        const uint64_t got_bytes = entry.end - entry.begin;
        if (overflow || got_bytes != expected_bytes)
            fail_tensor(
                origin, name,
                "data_offsets span " + std::to_string(got_bytes) + " bytes, expected " +
                    (overflow ? std::string("an impossibly large size") : std::to_string(expected_bytes)) +
                    " for " + dtype_name(entry.dtype) + " " + shape_string(entry.shape));
        file.entries_.emplace(name, std::move(entry));
    }

    // The tensors must tile the data section: no overlaps, no gaps, nothing left over.
    std::vector<const TensorEntry*> order;
    order.reserve(file.entries_.size());
    for (const auto& kv : file.entries_) order.push_back(&kv.second);
    std::sort(order.begin(), order.end(), [](const TensorEntry* a, const TensorEntry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t position = 0;
    const TensorEntry* previous = nullptr;
    for (const TensorEntry* e : order) {
        if (e->begin < position)
            fail_tensor(origin, e->name,
                        "data_offsets [" + std::to_string(e->begin) + ", " + std::to_string(e->end) +
                            "] overlap tensor '" + previous->name + "' [" + std::to_string(previous->begin) +
                            ", " + std::to_string(previous->end) + "]");
        if (e->begin > position)
            fail_tensor(origin, e->name,
                        "data_offsets begin at " + std::to_string(e->begin) + ", expected " +
                            std::to_string(position) + " (gap in the data section)");
        position = e->end;
        previous = e;
    }
    if (position != data_size)
        fail(origin, "tensors cover " + std::to_string(position) + " bytes of the data section, got " +
                         std::to_string(data_size) + " (trailing bytes or wrong header length)");

    const uint8_t* section = data + 8 + header_length;
    file.data_.assign(section, section + data_size);
    return file;
}

std::string SafetensorsFile::metadata_value(const std::string& key, const std::string& fallback) const {
    auto it = metadata_.find(key);
    return it == metadata_.end() ? fallback : it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& kv : entries_) out.push_back(kv.first);
    return out;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) fail(origin_, "missing tensor '" + name + "'");
    return it->second;
}

nn::Tensor SafetensorsFile::f32(const std::string& name) const {
    const TensorEntry& e = entry(name);
    if (e.dtype != DType::F32)
        fail_tensor(origin_, name, std::string("dtype ") + dtype_name(e.dtype) + ", expected F32");
    nn::Tensor tensor(e.shape);
    if (e.end > e.begin) std::memcpy(tensor.data(), data_.data() + e.begin, e.end - e.begin);
    // A NaN or infinite weight would make every result the same label with null scores.
    for (int64_t i = 0; i < tensor.size(); ++i)
        if (!std::isfinite(tensor[i]))
            fail_tensor(origin_, name,
                        "value " + std::to_string(tensor[i]) + " at index " + std::to_string(i) +
                            " is not a finite number");
    return tensor;
}

nn::Tensor SafetensorsFile::f32(const std::string& name, const std::vector<int64_t>& expected_shape) const {
    const TensorEntry& e = entry(name);
    if (e.shape != expected_shape)
        fail_tensor(origin_, name,
                    "shape " + shape_string(e.shape) + ", expected " + shape_string(expected_shape));
    return f32(name);
}

std::vector<int64_t> SafetensorsFile::i64(const std::string& name) const {
    const TensorEntry& e = entry(name);
    if (e.dtype != DType::I64)
        fail_tensor(origin_, name, std::string("dtype ") + dtype_name(e.dtype) + ", expected I64");
    std::vector<int64_t> values((e.end - e.begin) / sizeof(int64_t));
    if (!values.empty()) std::memcpy(values.data(), data_.data() + e.begin, e.end - e.begin);
    return values;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

void check_name(const std::string& name) {
    if (name.empty() || name == "__metadata__")
        throw std::invalid_argument("safetensors: invalid tensor name '" + name + "'");
}

} // namespace

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
    metadata_[key] = value;
}

void SafetensorsWriter::add(const std::string& name, const nn::Tensor& tensor) {
    check_name(name);
    Pending pending{DType::F32, tensor.shape(), {}};
    pending.bytes.resize(sizeof(float) * static_cast<size_t>(tensor.size()));
    if (tensor.size()) std::memcpy(pending.bytes.data(), tensor.data(), pending.bytes.size());
    tensors_[name] = std::move(pending);
}

void SafetensorsWriter::add_i64(const std::string& name, const std::vector<int64_t>& values,
                                const std::vector<int64_t>& shape) {
    check_name(name);
    if (nn::shape_elements(shape) != static_cast<int64_t>(values.size()))
        throw std::invalid_argument("safetensors: tensor '" + name + "' has " +
                                    std::to_string(values.size()) + " values, shape " + shape_string(shape) +
                                    " needs " + std::to_string(nn::shape_elements(shape)));
    Pending pending{DType::I64, shape, {}};
    pending.bytes.resize(sizeof(int64_t) * values.size());
    if (!values.empty()) std::memcpy(pending.bytes.data(), values.data(), pending.bytes.size());
    tensors_[name] = std::move(pending);
}

std::vector<uint8_t> SafetensorsWriter::serialize() const {
    if (!host_is_little_endian()) throw std::runtime_error("safetensors: big-endian host");
    json header = json::object();
    if (!metadata_.empty()) {
        json meta = json::object();
        for (const auto& kv : metadata_) meta[kv.first] = kv.second;
        header["__metadata__"] = std::move(meta);
    }
    uint64_t offset = 0; // tensors_ is a std::map: sorted by name, back to back
    for (const auto& kv : tensors_) {
        const uint64_t end = offset + kv.second.bytes.size();
        header[kv.first] = {{"dtype", dtype_name(kv.second.dtype)},
                            {"shape", kv.second.shape},
                            {"data_offsets", {offset, end}}};
        offset = end;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    std::vector<uint8_t> out(8 + text.size() + offset);
    write_u64_le(out.data(), text.size());
    std::memcpy(out.data() + 8, text.data(), text.size());
    uint8_t* p = out.data() + 8 + text.size();
    for (const auto& kv : tensors_) {
        if (!kv.second.bytes.empty()) std::memcpy(p, kv.second.bytes.data(), kv.second.bytes.size());
        p += kv.second.bytes.size();
    }
    return out;
}

void SafetensorsWriter::write_atomic(const std::string& path) const {
    check_replaceable(path); // before the serialisation, which can take a while
    const std::vector<uint8_t> bytes = serialize();
    write_file_atomically(path, bytes.data(), bytes.size());
}

} // namespace emotion::io
