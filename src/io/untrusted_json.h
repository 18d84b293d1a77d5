// JSON read from files that may be hostile: nesting is bounded before parsing, because
// nlohmann's dump() and the code that walks values recurse once per level (a 60,000-level
// header overflowed the stack in an error message).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace emotion::io {

// More than any file of the project needs (a model header nests 3 levels, a config 4).
constexpr int kMaxJsonNesting = 64;

// True when the arrays and objects of `text` nest at most `limit` levels deep (brackets inside
// strings do not count). Linear in the size, no allocation.
bool json_nesting_within(const char* text, size_t size, int limit = kMaxJsonNesting);

// nlohmann::json::parse without exceptions: a discarded value when the text is not JSON or
// nests deeper than kMaxJsonNesting.
nlohmann::json parse_untrusted_json(const std::string& text);

} // namespace emotion::io
