// libFuzzer target for ksmmtransformer's text path: the bytes of a text/x-raw buffer (the first
// byte says whether it is pango-markup) through markup stripping and UTF-8 repair
// (gst/text-markup), the tokenizer and the vocabulary lookup, as M4's text branch reads a line.
// Nothing here may throw, crash or leave a sanitizer report; the plain text must be valid UTF-8.
#include <glib.h>

#include <cstddef>
#include <cstdint>

#include "text-markup.h"
#include "text/tokenizer.h"
#include "text/vocabulary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const emotion::text::Vocabulary vocabulary({"", "happy", "sad", "door", "don't", "caf\xc3\xa9"});
    const bool markup = data[0] & 1;
    const emotion::gst::PlainText plain =
        emotion::gst::plain_text(reinterpret_cast<const char*>(data) + 1, size - 1, markup);
    if (!g_utf8_validate(plain.text.data(), static_cast<gssize>(plain.text.size()), nullptr))
        __builtin_trap();
    if (plain.text.size() > 4 * emotion::gst::kMaxTextLineBytes) __builtin_trap();
    emotion::text::tokenize(plain.text);
    vocabulary.ids(plain.text, 20);
    return 0;
}
