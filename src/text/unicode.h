// The Unicode operations the text branch needs (ICU): UTF-8 repair and decoding, full lower-case
// mapping, normalisation forms and the character classes of the tokenizer. Strings are UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace emotion::text {

// Every byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), and every NUL, becomes U+FFFD.
std::string make_valid_utf8(std::string_view bytes);

// The code point at `p` of valid UTF-8, and the byte length of that sequence.
char32_t decode_utf8(const char* p, size_t* length);

// Full lower-case mapping of valid UTF-8 (SpecialCasing, language-neutral: a final capital sigma
// becomes "ς", "İ" becomes "i" + U+0307).
std::string to_lower(std::string_view valid);

enum class NormalForm { NFC, NFD, NFKC };
std::string normalize(std::string_view valid, NormalForm form);

// Letters (L*) and numbers (Nd, Nl, No).
bool is_alphanumeric(char32_t c);
// Combining marks (Mn, Mc, Me).
bool is_mark(char32_t c);
// The canonical combining class (0 for starters).
int combining_class(char32_t c);

} // namespace emotion::text
