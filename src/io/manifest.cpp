#include "io/manifest.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/files.h"
#include "io/untrusted_json.h"

namespace emotion::io {

namespace {

const char* const kFields[] = {"path", "emotion", "speaker", "gender", "text"};

std::string resolve(const std::string& base_dir, const std::string& path) {
    if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
    return base_dir + "/" + path;
}

std::string where(const std::string& origin, int line) { return origin + ":" + std::to_string(line) + ": "; }

bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 4;
        if (extra == 4 || i + extra >= s.size() + (extra == 0 ? 1 : 0)) return false;
        for (size_t k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += extra + 1;
    }
    return true;
}

// Splits CSV text into records of fields (RFC 4180: quotes, doubled quotes, newlines inside
// quotes). Records remember the line they start on.
struct Record {
    int line;
    std::vector<std::string> fields;
};

std::vector<Record> split_csv(const std::string& text, const std::string& origin) {
    std::vector<Record> records;
    Record current{1, {}};
    std::string field;
    bool quoted = false, field_started = false;
    int line = 1;
    size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3; // byte-order mark
    auto end_record = [&]() {
        current.fields.push_back(field);
        field.clear();
        bool blank = current.fields.size() == 1 && current.fields[0].empty();
        if (!blank) records.push_back(current);
        current = Record{line, {}};
        field_started = false;
    };
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"')
                quoted = false;
            else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            if (field_started && !field.empty())
                throw ManifestError(where(origin, line) + "quote inside an unquoted field");
            quoted = true;
            field_started = true;
        } else if (c == ',') {
            current.fields.push_back(field);
            field.clear();
            field_started = false;
        } else if (c == '\r') {
            continue;
        } else if (c == '\n') {
            ++line;
            end_record();
        } else {
            field += c;
            field_started = true;
        }
    }
    if (quoted) throw ManifestError(where(origin, current.line) + "unterminated quoted field");
    if (!field.empty() || !current.fields.empty()) end_record();
    return records;
}

} // namespace

std::vector<Utterance> parse_csv_manifest(const std::string& text, const std::string& origin,
                                          const std::string& base_dir) {
    if (!valid_utf8(text)) throw ManifestError(origin + ": not valid UTF-8");
    std::vector<Record> records = split_csv(text, origin);
    if (records.empty()) throw ManifestError(origin + ": empty manifest (no header row)");
    std::map<std::string, size_t> column;
    const Record& header = records[0];
    for (size_t c = 0; c < header.fields.size(); ++c) column[header.fields[c]] = c;
    if (!column.count("path"))
        throw ManifestError(where(origin, header.line) +
                            "header has no 'path' column (expected path,emotion,speaker,gender,text)");

    std::vector<Utterance> out;
    for (size_t r = 1; r < records.size(); ++r) {
        const Record& rec = records[r];
        if (rec.fields.size() != header.fields.size())
            throw ManifestError(where(origin, rec.line) + std::to_string(rec.fields.size()) +
                                " fields, expected " + std::to_string(header.fields.size()));
        auto get = [&](const char* name) {
            auto it = column.find(name);
            return it == column.end() ? std::string() : rec.fields[it->second];
        };
        Utterance u;
        u.line = rec.line;
        u.path = get("path");
        if (u.path.empty()) throw ManifestError(where(origin, rec.line) + "empty path");
        u.path = resolve(base_dir, u.path);
        u.emotion = get("emotion");
        u.speaker = get("speaker");
        u.gender = get("gender");
        u.text = get("text");
        out.push_back(std::move(u));
    }
    return out;
}

std::vector<Utterance> parse_jsonl_manifest(const std::string& text, const std::string& origin,
                                            const std::string& base_dir) {
    if (!valid_utf8(text)) throw ManifestError(origin + ": not valid UTF-8");
    std::vector<Utterance> out;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json j = parse_untrusted_json(line);
        if (j.is_discarded() || !j.is_object())
            throw ManifestError(where(origin, number) + "not a JSON object");
        Utterance u;
        u.line = number;
        for (const char* name : kFields) {
            if (!j.contains(name) || j[name].is_null()) continue;
            if (!j[name].is_string())
                throw ManifestError(where(origin, number) + "'" + name + "' must be a string");
            std::string value = j[name].get<std::string>();
            if (std::string(name) == "path")
                u.path = value;
            else if (std::string(name) == "emotion")
                u.emotion = value;
            else if (std::string(name) == "speaker")
                u.speaker = value;
            else if (std::string(name) == "gender")
                u.gender = value;
            else
                u.text = value;
        }
        if (u.path.empty()) throw ManifestError(where(origin, number) + "missing 'path'");
        u.path = resolve(base_dir, u.path);
        out.push_back(std::move(u));
    }
    return out;
}

std::vector<Utterance> read_manifest(const std::string& path) {
    try {
        require_regular_file(path, "manifest");
    } catch (const std::runtime_error& e) { throw ManifestError(e.what()); }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ManifestError(path + ": cannot open manifest");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t slash = path.rfind('/');
    std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (base_dir.empty()) base_dir = "/";
    auto ends_with = [&](const char* suffix) {
        std::string s(suffix);
        return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
    };
    if (ends_with(".jsonl") || ends_with(".json") || ends_with(".ndjson"))
        return parse_jsonl_manifest(text, path, base_dir);
    return parse_csv_manifest(text, path, base_dir);
}

void write_jsonl_manifest(const std::string& path, const std::vector<Utterance>& utterances) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw ManifestError(path + ": cannot write manifest");
    for (const auto& u : utterances)
        out << nlohmann::json{{"path", u.path.empty() ? u.path : std::filesystem::absolute(u.path).string()},
                              {"emotion", u.emotion},
                              {"speaker", u.speaker},
                              {"gender", u.gender},
                              {"text", u.text}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) // readers need UTF-8
            << '\n';
    if (!out.flush()) throw ManifestError(path + ": write failed");
}

} // namespace emotion::io
