#include "text/tokenizer.h"

#include <algorithm>

#include "text/unicode.h"

namespace emotion::text {

namespace {

// Unicode's stream-safe format: at most 30 non-starters in a row. Canonical reordering sorts a
// run of combining marks, so an unbounded run could cost quadratic time; marks beyond 30 carry
// no letter anyway and are dropped.
constexpr int kMaxNonStarters = 30;

std::string stream_safe(const std::string& valid) {
    std::string out;
    out.reserve(valid.size());
    int run = 0;
    size_t length = 0;
    for (size_t i = 0; i < valid.size(); i += length) {
        const char32_t c = decode_utf8(valid.data() + i, &length);
        run = combining_class(c) == 0 ? 0 : run + 1;
        if (run <= kMaxNonStarters) out.append(valid, i, length);
    }
    return out;
}

bool is_apostrophe(char32_t c) { return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == '`'; }

bool is_hyphen(char32_t c) { return c == '-' || c == 0x2010; }

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
        if (stem == "ca")
            stem = "can";
        else if (stem == "wo")
            stem = "will";
        else if (stem == "sha")
            stem = "shall";
        else if (stem == "ai")
            stem = "is";
        push_word(out, stem);
        out.push_back("not");
        return;
    }
    push_word(out, stem);
    if (last == "s") return; // possessive or "is": no word of its own
    if (last == "m")
        out.push_back("am");
    else if (last == "re")
        out.push_back("are");
    else if (last == "ll")
        out.push_back("will");
    else if (last == "ve")
        out.push_back("have");
    else if (last == "d")
        out.push_back("would");
    else
        push_word(out, last);
}

void finish(std::string& token, bool has_apostrophe, std::vector<std::string>& out) {
    if (token.empty()) return;
    if (has_apostrophe)
        split_clitics(token, out);
    else
        out.push_back(std::move(token));
    token.clear();
}

} // namespace

std::vector<std::string> tokenize(std::string_view utf8) {
    std::vector<std::string> out;
    if (utf8.empty()) return out;
    std::string text;
    if (std::all_of(utf8.begin(), utf8.end(),
                    [](char c) { return c > 0 && static_cast<unsigned char>(c) < 0x80; })) {
        // ASCII (most text): already valid and NFKC; lower-casing is per byte.
        text.assign(utf8);
        for (char& c : text)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    } else {
        // Invalid bytes (and NULs) become U+FFFD; lower-case, then NFKC (lower-casing may leave
        // unnormalised sequences such as "i" + U+0307).
        text = normalize(to_lower(stream_safe(make_valid_utf8(utf8))), NormalForm::NFKC);
    }

    std::string token;
    bool has_apostrophe = false;
    char32_t joiner = 0;    // a hyphen or apostrophe after the token, kept if a word char follows
    char32_t last_mark = 0; // the "!" / "?" just emitted (runs collapse to one)
    size_t length = 0;
    for (size_t i = 0; i < text.size(); i += length) {
        const char* p = text.data() + i;
        const char32_t c = decode_utf8(p, &length);
        const bool word_char =
            c < 0x80 ? (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
                     : is_alphanumeric(c) || (!token.empty() && !joiner && is_mark(c));
        if (word_char) {
            if (joiner) {
                token += joiner == '-' ? '-' : '\'';
                has_apostrophe = has_apostrophe || joiner == '\'';
                joiner = 0;
            }
            token.append(p, length);
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
