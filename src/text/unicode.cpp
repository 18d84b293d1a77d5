#include "text/unicode.h"

#include <stdexcept>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

namespace emotion::text {

namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD"; // U+FFFD

// Length of the well-formed sequence at `p` (Unicode Table 3-7), or 0.
size_t sequence_length(const unsigned char* p, size_t available) {
    const unsigned char b0 = p[0];
    if (b0 >= 0x01 && b0 < 0x80) return 1;
    size_t length;
    unsigned char low = 0x80, high = 0xBF; // the range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF)
        length = 2;
    else if (b0 == 0xE0)
        length = 3, low = 0xA0;
    else if (b0 == 0xED)
        length = 3, high = 0x9F; // no surrogates
    else if (b0 >= 0xE1 && b0 <= 0xEF)
        length = 3;
    else if (b0 == 0xF0)
        length = 4, low = 0x90;
    else if (b0 >= 0xF1 && b0 <= 0xF3)
        length = 4;
    else if (b0 == 0xF4)
        length = 4, high = 0x8F; // nothing above U+10FFFF
    else
        return 0;
    if (available < length || p[1] < low || p[1] > high) return 0;
    for (size_t i = 2; i < length; ++i)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return length;
}

std::string to_utf8(const icu::UnicodeString& text) {
    std::string out;
    text.toUTF8String(out);
    return out;
}

const icu::Normalizer2& normalizer(NormalForm form) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = form == NormalForm::NFC   ? icu::Normalizer2::getNFCInstance(status)
                                : form == NormalForm::NFD ? icu::Normalizer2::getNFDInstance(status)
                                                          : icu::Normalizer2::getNFKCInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normaliser: ") + u_errorName(status));
    return *n;
}

} // namespace

std::string make_valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    size_t i = 0;
    while (i < bytes.size()) {
        const size_t length = sequence_length(p + i, bytes.size() - i);
        if (length == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(bytes.data() + i, length);
            i += length;
        }
    }
    return out;
}

char32_t decode_utf8(const char* p, size_t* length) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    if (b[0] < 0x80) return *length = 1, b[0];
    if (b[0] < 0xE0) return *length = 2, char32_t(b[0] & 0x1F) << 6 | (b[1] & 0x3F);
    if (b[0] < 0xF0)
        return *length = 3, char32_t(b[0] & 0x0F) << 12 | char32_t(b[1] & 0x3F) << 6 | (b[2] & 0x3F);
    *length = 4;
    return char32_t(b[0] & 0x07) << 18 | char32_t(b[1] & 0x3F) << 12 | char32_t(b[2] & 0x3F) << 6 |
           (b[3] & 0x3F);
}

std::string to_lower(std::string_view valid) {
    icu::UnicodeString text =
        icu::UnicodeString::fromUTF8(icu::StringPiece(valid.data(), static_cast<int32_t>(valid.size())));
    return to_utf8(text.toLower(icu::Locale::getRoot()));
}

std::string normalize(std::string_view valid, NormalForm form) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString text =
        icu::UnicodeString::fromUTF8(icu::StringPiece(valid.data(), static_cast<int32_t>(valid.size())));
    const icu::UnicodeString result = normalizer(form).normalize(text, status);
    if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalisation: ") + u_errorName(status));
    return to_utf8(result);
}

bool is_alphanumeric(char32_t c) {
    return (U_GET_GC_MASK(static_cast<UChar32>(c)) & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

bool is_mark(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_M_MASK) != 0; }

int combining_class(char32_t c) { return u_getCombiningClass(static_cast<UChar32>(c)); }

} // namespace emotion::text
