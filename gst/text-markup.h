/* The plain text of a text/x-raw buffer (subparse, emodatasetsrc, speech-to-text elements) for
 * the text branch of M4. Internal to the plugin. */
#pragma once

#include <cstddef>
#include <string>

namespace emotion::gst {

/* Longest line kept, in bytes: M4 reads only the first 20 words of a segment, so the rest of a
 * longer line cannot matter and is dropped (bounded memory and tokenising time). */
constexpr size_t kMaxTextLineBytes = 64 * 1024;

struct PlainText {
    std::string text;
    bool repaired = false;  /* invalid UTF-8 (or NUL bytes) replaced by U+FFFD */
    bool truncated = false; /* longer than kMaxTextLineBytes */
};

/* `markup`: the buffer is pango-markup, whose tags are dropped and entities decoded with GLib's
 * GMarkup parser (what pango_parse_markup itself uses, without the pango dependency); markup
 * that does not parse loses everything between '<' and '>' and keeps the rest verbatim. */
PlainText plain_text(const char* data, size_t size, bool markup);

} // namespace emotion::gst
