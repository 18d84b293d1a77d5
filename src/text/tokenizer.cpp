#include "text/tokenizer.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include <glib.h>

namespace emotion::text {

namespace {

struct GFree {
    void operator()(gchar* p) const { g_free(p); }
};
using GString_ = std::unique_ptr<gchar, GFree>;

// Unicode's stream-safe format: at most 30 non-starters in a row. GLib's canonical reordering
// is a bubble sort over a run of combining marks, so an unbounded run would cost quadratic time;
// marks beyond 30 carry no letter anyway and are dropped.
constexpr int kMaxNonStarters = 30;

std::string stream_safe(const gchar* valid, size_t size) {
    std::string out;
    out.reserve(size);
    int run = 0;
    for (const gchar* p = valid; p < valid + size; p = g_utf8_next_char(p)) {
        const gunichar c = g_utf8_get_char(p);
        run = g_unichar_combining_class(c) == 0 ? 0 : run + 1;
        if (run <= kMaxNonStarters) out.append(p, g_utf8_next_char(p) - p);
    }
    return out;
}

bool is_apostrophe(gunichar c) {
    return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == '`';
}

bool is_hyphen(gunichar c) { return c == '-' || c == 0x2010; }

void push_word(std::vector<std::string>& out, std::string word) {
    if (!word.empty()) out.push_back(std::move(word));
}

// A token whose parts an apostrophe joins: expand a final clitic, split at the others.
void split_clitics(const std::string& token, std::vector<std::string>& out) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= token.size(); ++i)
        if (i == token.size() || token[i] == '\'') {
            parts.push_back(token.substr(start, i - start));
            start = i + 1;
        }
    const std::string last = parts.back();
    std::string stem = parts[parts.size() - 2];
    parts.resize(parts.size() - 2);
    for (std::string& part : parts) push_word(out, std::move(part));
    if (last == "t" && !stem.empty() && stem.back() == 'n') { // "n't"
        stem.pop_back();
        if (stem == "ca") stem = "can";
        else if (stem == "wo") stem = "will";
        else if (stem == "sha") stem = "shall";
        else if (stem == "ai") stem = "is";
        push_word(out, stem);
        out.push_back("not");
        return;
    }
    push_word(out, stem);
    if (last == "s") return; // possessive or "is": no word of its own
    if (last == "m") out.push_back("am");
    else if (last == "re") out.push_back("are");
    else if (last == "ll") out.push_back("will");
    else if (last == "ve") out.push_back("have");
    else if (last == "d") out.push_back("would");
    else push_word(out, last);
}

void finish(std::string& token, bool has_apostrophe, std::vector<std::string>& out) {
    if (token.empty()) return;
    if (has_apostrophe) split_clitics(token, out);
    else out.push_back(std::move(token));
    token.clear();
}

} // namespace

std::vector<std::string> tokenize(std::string_view utf8) {
    std::vector<std::string> out;
    if (utf8.empty()) return out;
    GString_ text;
    if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return c > 0 && static_cast<unsigned char>(c) < 0x80; })) {
        // ASCII (most text): already valid and NFKC; lower-casing is per byte.
        text.reset(g_ascii_strdown(utf8.data(), static_cast<gssize>(utf8.size())));
    } else {
        // Invalid bytes (and NULs) become U+FFFD; lower-case, then NFKC (lower-casing may leave
        // unnormalised sequences such as "i" + U+0307).
        GString_ valid(g_utf8_make_valid(utf8.data(), static_cast<gssize>(utf8.size())));
        const std::string safe = stream_safe(valid.get(), std::strlen(valid.get()));
        valid.reset();
        GString_ lower(g_utf8_strdown(safe.data(), static_cast<gssize>(safe.size())));
        text.reset(g_utf8_normalize(lower.get(), -1, G_NORMALIZE_NFKC));
    }
    if (!text) return out;

    std::string token;
    bool has_apostrophe = false;
    gunichar joiner = 0;     // a hyphen or apostrophe after the token, kept if a word char follows
    gunichar last_mark = 0;  // the "!" / "?" just emitted (runs collapse to one)
    for (const gchar* p = text.get(); *p; p = g_utf8_next_char(p)) {
        const gunichar c = static_cast<unsigned char>(*p) < 0x80 ? static_cast<unsigned char>(*p) : g_utf8_get_char(p);
        const bool word_char = c < 0x80 ? g_ascii_isalnum(static_cast<char>(c))
                                        : g_unichar_isalnum(c) || (!token.empty() && !joiner && g_unichar_ismark(c));
        if (word_char) {
            if (joiner) {
                token += joiner == '-' ? '-' : '\'';
                has_apostrophe = has_apostrophe || joiner == '\'';
                joiner = 0;
            }
            token.append(p, g_utf8_next_char(p) - p);
            last_mark = 0;
            continue;
        }
        if (!token.empty() && !joiner && (is_hyphen(c) || is_apostrophe(c))) {
            joiner = is_hyphen(c) ? '-' : '\'';
            continue;
        }
        finish(token, has_apostrophe, out);
        has_apostrophe = false;
        joiner = 0;
        if ((c == '!' || c == '?') && c != last_mark) out.emplace_back(1, static_cast<char>(c));
        last_mark = (c == '!' || c == '?') ? c : 0;
    }
    finish(token, has_apostrophe, out);
    return out;
}

} // namespace emotion::text
