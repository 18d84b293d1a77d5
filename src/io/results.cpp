#include "io/results.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace emotion::io {

ResultFormat parse_result_format(const std::string& name) {
    if (name == "jsonl") return ResultFormat::JsonLines;
    if (name == "csv") return ResultFormat::Csv;
    if (name == "webvtt") return ResultFormat::WebVtt;
    if (name == "srt") return ResultFormat::Srt;
    throw std::invalid_argument("unknown result format '" + name + "' (jsonl, csv, webvtt, srt)");
}

ResultFormat result_format_for_path(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const size_t dot = name.find_last_of('.');
    if (dot == std::string::npos || dot == 0) return ResultFormat::JsonLines; // no extension
    std::string extension = name.substr(dot + 1);
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (extension == "vtt" || extension == "webvtt") return ResultFormat::WebVtt;
    if (extension == "srt") return ResultFormat::Srt;
    if (extension == "csv") return ResultFormat::Csv;
    if (extension == "json" || extension == "jsonl" || extension == "ndjson") return ResultFormat::JsonLines;
    throw std::invalid_argument("no result format for the extension '." + name.substr(dot + 1) +
                                "' (.vtt, .srt, .csv, .json, .jsonl): set the format");
}

const char* result_format_name(ResultFormat format) {
    switch (format) {
    case ResultFormat::JsonLines: return "jsonl";
    case ResultFormat::Csv: return "csv";
    case ResultFormat::WebVtt: return "webvtt";
    case ResultFormat::Srt: return "srt";
    }
    return "?";
}

void ResultWriter::emit(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
        throw std::runtime_error(std::string("cannot write results: ") + std::strerror(errno));
}

std::string format_timestamp(double seconds, char fraction_separator) {
    if (!(seconds >= 0.0)) seconds = 0.0;
    auto millis = static_cast<long long>(std::llround(seconds * 1000.0));
    char text[32];
    std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld%c%03lld", millis / 3600000, millis / 60000 % 60,
                  millis / 1000 % 60, fraction_separator, millis % 1000);
    return text;
}

std::string format_result_json(const Result& r) {
    nlohmann::ordered_json j;
    j["segment"] = r.segment_id;
    j["start"] = r.start >= 0.0 ? nlohmann::ordered_json(r.start) : nullptr;
    j["end"] = r.start >= 0.0 && r.duration >= 0.0 ? nlohmann::ordered_json(r.start + r.duration) : nullptr;
    j["label"] = r.labels.at(r.best);
    j["confidence"] = r.scores.at(r.best);
    nlohmann::ordered_json scores;
    for (size_t k = 0; k < r.labels.size(); ++k) scores[r.labels[k]] = r.scores[k];
    j["scores"] = scores;
    j["arousal"] = r.has_affect ? nlohmann::ordered_json(r.arousal) : nullptr;
    j["valence"] = r.has_affect ? nlohmann::ordered_json(r.valence) : nullptr;
    j["arousal_level"] = r.has_affect ? nlohmann::ordered_json(r.high_arousal ? "high" : "low") : nullptr;
    j["uncertain"] = r.uncertain;
    if (r.interim) j["interim"] = true; // absent otherwise: final records stay as they were
    if (!r.true_label.empty()) j["true"] = r.true_label;
    j["model"] = r.model;
    return j.dump();
}

namespace {

std::string csv_field(const std::string& value) {
    if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

class JsonLinesWriter : public ResultWriter {
public:
    using ResultWriter::ResultWriter;
    void write(const Result& r) override { emit(format_result_json(r) + "\n"); }
};

class CsvWriter : public ResultWriter {
public:
    using ResultWriter::ResultWriter;
    void write(const Result& r) override {
        if (r.interim) return; // one row per segment
        std::string text;
        if (header_.empty()) {
            header_ = "segment,start,end,label,confidence,true";
            for (const auto& label : r.labels) header_ += "," + csv_field(label);
            header_ +=
                ",arousal,valence,arousal_level,uncertain"; // appended: the label columns keep their places
            text = header_ + "\n";
        }
        char number[64];
        text += csv_field(r.segment_id);
        std::snprintf(number, sizeof number, ",%.3f,%.3f", r.start, r.start + r.duration);
        text += number;
        text += "," + csv_field(r.labels.at(r.best));
        std::snprintf(number, sizeof number, ",%.6f", r.scores.at(r.best));
        text += number;
        text += "," + csv_field(r.true_label);
        for (float score : r.scores) {
            std::snprintf(number, sizeof number, ",%.6f", score);
            text += number;
        }
        if (r.has_affect) {
            std::snprintf(number, sizeof number, ",%.6f,%.6f,%s", r.arousal, r.valence,
                          r.high_arousal ? "high" : "low");
            text += number;
        } else {
            text += ",,,"; // unknown: empty fields
        }
        text += r.uncertain ? ",true" : ",false";
        emit(text + "\n");
    }

private:
    std::string header_;
};

// The writers of subtitle cues.
class CueWriter : public ResultWriter {
public:
    CueWriter(std::FILE* file, const std::string& cue_format) : ResultWriter(file), cue_format_(cue_format) {
        check_cue_format(cue_format_);
    }

protected:
    std::string cue_text(const Result& r) const {
        return io::cue_text(cue_format_, r.uncertain ? "uncertain" : r.labels.at(r.best), r.scores.at(r.best),
                            r.segment_id);
    }

private:
    std::string cue_format_;
};

class WebVttWriter : public CueWriter {
public:
    using CueWriter::CueWriter;
    void write(const Result& r) override {
        if (r.interim) return; // one cue per segment
        std::string text = started_ ? "" : "WEBVTT\n\n";
        started_ = true;
        text += r.segment_id + "\n" + format_timestamp(r.start, '.') + " --> " +
                format_timestamp(r.start + std::max(r.duration, 0.0), '.') + "\n" + cue_text(r) + "\n\n";
        emit(text);
    }

private:
    bool started_ = false;
};

class SrtWriter : public CueWriter {
public:
    using CueWriter::CueWriter;
    void write(const Result& r) override {
        if (r.interim) return; // one cue per segment
        emit(std::to_string(++index_) + "\n" + format_timestamp(r.start, ',') + " --> " +
             format_timestamp(r.start + std::max(r.duration, 0.0), ',') + "\n" + cue_text(r) + "\n\n");
    }

private:
    int index_ = 0;
};

} // namespace

std::unique_ptr<ResultWriter> ResultWriter::create(ResultFormat format, std::FILE* file,
                                                   const std::string& cue_format) {
    switch (format) {
    case ResultFormat::JsonLines: return std::make_unique<JsonLinesWriter>(file);
    case ResultFormat::Csv: return std::make_unique<CsvWriter>(file);
    case ResultFormat::WebVtt: return std::make_unique<WebVttWriter>(file, cue_format);
    case ResultFormat::Srt: return std::make_unique<SrtWriter>(file, cue_format);
    }
    throw std::invalid_argument("unknown result format");
}

} // namespace emotion::io
