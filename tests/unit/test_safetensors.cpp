// safetensors reader/writer: round trips, the reference files, and corrupt files that must each
// be a clean FormatError naming what is wrong (NNStreamer-style *_n negative cases).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "io/safetensors.h"
#include "test_main.h"

using emotion::io::DType;
using emotion::io::FormatError;
using emotion::io::SafetensorsFile;
using emotion::io::SafetensorsWriter;
using emotion::nn::Tensor;

namespace {

std::vector<uint8_t> make_file(const std::string& header, size_t data_bytes, uint64_t length_field) {
    std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(length_field >> (8 * i));
    std::memcpy(out.data() + 8, header.data(), header.size());
    for (size_t i = 0; i < data_bytes; ++i) out[8 + header.size() + i] = static_cast<uint8_t>(i);
    return out;
}

std::vector<uint8_t> make_file(const std::string& header, size_t data_bytes) {
    return make_file(header, data_bytes, header.size());
}

SafetensorsFile parse(const std::vector<uint8_t>& bytes) {
    return SafetensorsFile::parse(bytes.data(), bytes.size(), "test");
}

// Expects a FormatError (not any other exception, not a crash) whose message contains `needle`.
template <typename F>
void expect_format_error_call(F&& f, const std::string& needle, const char* file, int line) {
    try {
        f();
        emotion::test::fail(file, line, "no FormatError (expected '" + needle + "')");
    } catch (const FormatError& e) {
        if (std::string(e.what()).find(needle) == std::string::npos)
            emotion::test::fail(file, line, "message '" + std::string(e.what()) + "' lacks '" + needle + "'");
    } catch (const std::exception& e) {
        emotion::test::fail(file, line, std::string("wrong exception type: ") + e.what());
    }
}
#define EXPECT_FORMAT_ERROR_CALL(stmt, needle)                                                               \
    expect_format_error_call([&] { stmt; }, needle, __FILE__, __LINE__)
// Parsing `bytes` is such an error.
#define EXPECT_FORMAT_ERROR(bytes, needle) EXPECT_FORMAT_ERROR_CALL(parse(bytes), needle)

// A file of one tensor "t" described by `entry` (its header object), with `data_bytes` of data.
std::vector<uint8_t> one_tensor(const std::string& entry, size_t data_bytes) {
    return make_file("{\"t\":" + entry + "}", data_bytes);
}

// A file of the tensors "a" and "b".
std::vector<uint8_t> two_tensors(const std::string& a, const std::string& b, size_t data_bytes) {
    return make_file("{\"a\":" + a + ",\"b\":" + b + "}", data_bytes);
}

const std::string kOneTensor =
    R"({"__metadata__":{"kind":"x"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";

std::string temp_dir() {
    char pattern[] = "/tmp/emotion-safetensors-XXXXXX";
    const char* dir = ::mkdtemp(pattern);
    return dir ? dir : "/tmp";
}

int count_entries(const std::string& dir) {
    int n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) ++n;
        ::closedir(d);
    }
    return n;
}

} // namespace

TEST(round_trip) {
    SafetensorsWriter writer;
    writer.set_metadata("architecture", "alstm");
    writer.set_metadata("config", R"({"hidden": 128})");
    Tensor w({2, 3}, {1, -2, 3.5f, 4, 5e-8f, -6e20f});
    writer.add("rnn.weight", w);
    writer.add("bias", Tensor({3}, {0.25f, 0.5f, 0.75f}));
    writer.add("empty", Tensor({0, 4}));
    writer.add("scalar", Tensor({1}, {42}));
    writer.add_i64("bn.num_batches_tracked", {7}, {1});
    writer.add_i64("lengths", {12, 8, -1}, {3});
    auto bytes = writer.serialize();

    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    EXPECT(n % 8 == 0);
    EXPECT(bytes[8 + n - 1] == ' ' || bytes[8 + n - 1] == '}');

    auto file = parse(bytes);
    EXPECT(file.metadata_value("architecture") == "alstm");
    EXPECT(file.metadata_value("config") == R"({"hidden": 128})");
    EXPECT(file.metadata_value("absent", "fallback") == "fallback");
    auto names = file.names();
    EXPECT(names.size() == 6);
    for (size_t i = 1; i < names.size(); ++i) EXPECT(names[i - 1] < names[i]);
    // Sorted by name and back to back in the data section.
    uint64_t position = 0;
    for (const auto& name : names) {
        EXPECT(file.entry(name).begin == position);
        position = file.entry(name).end;
    }
    Tensor r = file.f32("rnn.weight", {2, 3});
    for (int i = 0; i < 6; ++i) EXPECT(r[i] == w[i]);
    EXPECT(file.f32("empty").size() == 0);
    EXPECT(file.f32("scalar")[0] == 42.0f);
    EXPECT(file.i64("lengths") == (std::vector<int64_t>{12, 8, -1}));
    EXPECT(file.entry("bn.num_batches_tracked").dtype == DType::I64);
    EXPECT(file.has("bias") && !file.has("nope"));
}

TEST(write_atomic_replaces_and_cleans_up) {
    std::string dir = temp_dir();
    std::string path = dir + "/model.safetensors";
    SafetensorsWriter a;
    a.add("x", Tensor({2}, {1, 2}));
    a.write_atomic(path);
    SafetensorsWriter b;
    b.add("x", Tensor({3}, {3, 4, 5}));
    b.write_atomic(path);
    auto file = SafetensorsFile::read(path);
    EXPECT(file.f32("x").size() == 3 && file.f32("x")[2] == 5.0f);
    EXPECT(count_entries(dir) == 1); // no temporary left behind
    EXPECT_THROWS(b.write_atomic(dir + "/missing-dir/model.safetensors"));
    EXPECT(count_entries(dir) == 1);
    // Renaming over a directory fails: the temporary must be removed.
    ::mkdir((dir + "/occupied").c_str(), 0755);
    EXPECT_THROWS(b.write_atomic(dir + "/occupied"));
    EXPECT(count_entries(dir) == 2);
    ::rmdir((dir + "/occupied").c_str());
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

TEST(reads_reference_files) {
    const std::string dir = emotion::test::shared_dir() + "/reference/nn/";
    for (const char* stem : {"linear_relu", "adam_step", "batchnorm2d_train", "softmax_cross_entropy"}) {
        auto file = SafetensorsFile::read(dir + stem + ".safetensors");
        EXPECT_MSG(!file.metadata_value("kind").empty(), stem);
    }
    auto bn = SafetensorsFile::read(dir + "batchnorm2d_train.safetensors");
    EXPECT(bn.i64("param.num_batches_tracked").size() == 1);
    EXPECT(bn.f32("in.x", {3, 4, 5, 6}).size() == 360);
}

TEST(valid_minimal_files) {
    auto file = parse(make_file(kOneTensor, 24));
    EXPECT(file.f32("a").size() == 6);
    // No tensors at all, header padded with spaces.
    auto empty = parse(make_file("{}      ", 0));
    EXPECT(empty.names().empty());
    // Zero-size tensors may share an offset.
    parse(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                    R"("b":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}})",
                    0));
}

TEST(truncated_n) {
    EXPECT_FORMAT_ERROR(std::vector<uint8_t>{}, "too short");
    EXPECT_FORMAT_ERROR(std::vector<uint8_t>(5, 0), "too short");
    auto whole = make_file(kOneTensor, 24);
    // Cut inside the header.
    EXPECT_FORMAT_ERROR(std::vector<uint8_t>(whole.begin(), whole.begin() + 20), "exceeds");
    // Cut inside the data section.
    EXPECT_FORMAT_ERROR(std::vector<uint8_t>(whole.begin(), whole.end() - 1), "outside the data section");
    // Trailing garbage after the last tensor.
    EXPECT_FORMAT_ERROR(make_file(kOneTensor, 25), "tensors cover 24 bytes");
}

TEST(huge_header_length_n) {
    EXPECT_FORMAT_ERROR(make_file(kOneTensor, 24, ~0ull), "exceeds the limit");
    EXPECT_FORMAT_ERROR(make_file(kOneTensor, 24, 1ull << 40), "exceeds the limit");
    EXPECT_FORMAT_ERROR(make_file(kOneTensor, 24, kOneTensor.size() + 1000), "exceeds the");
    EXPECT_FORMAT_ERROR(make_file(kOneTensor, 24, 0), "JSON object");
}

TEST(bad_json_n) {
    EXPECT_FORMAT_ERROR(make_file("{\"a\": ", 0), "not valid JSON");
    EXPECT_FORMAT_ERROR(make_file("{\"a\": 1}}", 0), "not valid JSON");
    EXPECT_FORMAT_ERROR(make_file("[1, 2, 3]", 0), "JSON object");
    EXPECT_FORMAT_ERROR(make_file("{\"a\": \"\xff\xfe\"}", 0), "not valid JSON");
    EXPECT_FORMAT_ERROR(make_file(std::string("{\0}", 3), 0), "not valid JSON");
    EXPECT_FORMAT_ERROR(make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                  "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                  8),
                        "more than once");
    EXPECT_FORMAT_ERROR(make_file("{\"a\": 5}", 0), "expected an object");
}

TEST(bad_metadata_n) {
    EXPECT_FORMAT_ERROR(make_file(R"({"__metadata__":{"k":1}})", 0), "expected a string");
    EXPECT_FORMAT_ERROR(make_file(R"({"__metadata__":{"k":{"x":"y"}}})", 0), "expected a string");
    EXPECT_FORMAT_ERROR(make_file(R"({"__metadata__":"text"})", 0), "__metadata__");
}

TEST(bad_fields_n) {
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F33","shape":[1],"data_offsets":[0,4]})", 4),
                        "tensor 't': dtype");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})", 4), "dtype");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"shape":[1],"data_offsets":[0,4]})", 4), "missing 'dtype'");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","data_offsets":[0,4]})", 4), "missing 'shape'");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1]})", 4), "missing 'data_offsets'");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})", 4),
                        "non-negative");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})", 4),
                        "non-negative");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})", 4),
                        "expected an array");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})", 4), "[begin, end]");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})", 4),
                        "[begin, end]");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1})", 4),
                        "unknown field");
    EXPECT_FORMAT_ERROR(
        one_tensor(R"({"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]})", 4),
        "rank");
    EXPECT_FORMAT_ERROR(make_file(R"({"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4),
                        "empty name");
}

TEST(wrong_dtype_size_n) {
    // F32 [3] needs 12 bytes, the offsets give 8.
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})", 8),
                        "span 8 bytes, expected 12 for F32 [3]");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"I64","shape":[2],"data_offsets":[0,8]})", 8), "expected 16");
    // Element count overflows 64 bits: must not wrap around to a "matching" size.
    EXPECT_FORMAT_ERROR(
        one_tensor(R"({"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]})", 0),
        "impossibly large");
    EXPECT_FORMAT_ERROR(
        one_tensor(R"({"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]})", 0),
        "impossibly large");
    EXPECT_FORMAT_ERROR(
        one_tensor(R"({"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]})", 0),
        "non-negative");
}

TEST(offsets_n) {
    const std::string two_floats = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    EXPECT_FORMAT_ERROR(two_tensors(two_floats, R"({"dtype":"F32","shape":[2],"data_offsets":[4,12]})", 12),
                        "overlap tensor 'a'");
    EXPECT_FORMAT_ERROR(two_tensors(two_floats, two_floats, 8), "overlap");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})", 8),
                        "begin after end");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[100,104]})", 8),
                        "outside the data section of 8 bytes");
    EXPECT_FORMAT_ERROR(
        one_tensor(
            R"({"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551615]})", 8),
        "outside");
    EXPECT_FORMAT_ERROR(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})", 8), "gap");
}

TEST(typed_access_n) {
    auto file = parse(make_file(R"({"f":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},)"
                                R"("h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]}})",
                                24));
    EXPECT_FORMAT_ERROR_CALL(file.entry("missing"), "missing tensor 'missing'");
    EXPECT_FORMAT_ERROR_CALL(file.f32("missing"), "missing tensor");
    EXPECT_FORMAT_ERROR_CALL(file.f32("i"), "tensor 'i': dtype I64, expected F32");
    EXPECT_FORMAT_ERROR_CALL(file.f32("h"), "dtype F16, expected F32");
    EXPECT_FORMAT_ERROR_CALL(file.i64("f"), "dtype F32, expected I64");
    EXPECT_FORMAT_ERROR_CALL(file.f32("f", {2, 1}), "shape [2], expected [2, 1]");
    EXPECT(file.i64("i").size() == 1);
}

TEST(deeply_nested_header_n) {
    // 60,000 levels overflowed the stack in the error message's dump (no crash, a bounded message).
    const std::string deep = std::string(60000, '[') + std::string(60000, ']');
    EXPECT_FORMAT_ERROR(make_file("{\"t\":" + deep + "}", 0), "nests deeper than 64 levels");
    // Brackets inside strings do not count.
    auto file = parse(make_file(R"({"__metadata__":{"k":")" + std::string(100, '[') + R"("}})", 0));
    EXPECT(file.metadata_value("k").size() == 100);
}

TEST(non_finite_weights_n) {
    for (float bad : {NAN, INFINITY, -INFINITY}) {
        SafetensorsWriter writer;
        writer.add("w", Tensor({3}, {1, bad, 3}));
        EXPECT_FORMAT_ERROR_CALL(parse(writer.serialize()).f32("w"), "tensor 'w': value");
        EXPECT_FORMAT_ERROR_CALL(parse(writer.serialize()).f32("w"), "at index 1 is not a finite number");
    }
}

TEST(read_missing_file_n) {
    EXPECT_FORMAT_ERROR_CALL(SafetensorsFile::read("/nonexistent/x.safetensors"), "cannot open");
    EXPECT_FORMAT_ERROR_CALL(SafetensorsFile::read("/tmp"), "/tmp: ");
}

TEST(every_truncation_of_a_reference_file_n) {
    // Every prefix of a real file is an error (and never a crash or out-of-bounds read).
    SafetensorsWriter writer;
    writer.set_metadata("kind", "test");
    writer.add("a", Tensor({3}, {1, 2, 3}));
    writer.add_i64("b", {1, 2}, {2});
    auto bytes = writer.serialize();
    parse(bytes);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + cut);
        bool clean = false;
        try {
            parse(prefix);
        } catch (const FormatError&) { clean = true; }
        EXPECT_MSG(clean, "prefix of " + std::to_string(cut) + " bytes");
    }
}

TEST_MAIN()
