// emotion-report: an HTML report of a tagged archive. Tags every recording of a folder
// (recursively) or of a dataset manifest with emotiondetect, or reads the results already next to
// a recording (STEM.jsonl, as emotionsink writes them), and writes a static site to --out:
// index.html with each recording's emotion shares and filters, and recordings/ID.html with an
// audio player, the timeline synchronised with playback and the segment table (site.h).
// Unreadable recordings are listed in the index with their error; the others are still processed.
//   emotion-report [--model MODEL.safetensors ...] [--retag] --out REPORT-DIR FOLDER|MANIFEST
#include <gst/gst.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "archive.h"
#include "io/files.h"
#include "progress.h"
#include "site.h"
#include "tagger.h"

namespace fs = std::filesystem;
using namespace emotion::tools;

namespace {

const char* kUsage =
    "usage: emotion-report [--model MODEL.safetensors ...] [--retag] --out REPORT-DIR FOLDER|MANIFEST\n"
    "\n"
    "Tags every audio file under FOLDER (recursively) or every path of a dataset MANIFEST (CSV or\n"
    "JSON Lines, as emodatasetsrc reads it) with emotiondetect, and writes a static HTML report to\n"
    "REPORT-DIR: index.html (emotion shares per recording, filters) and one page per recording\n"
    "(audio player, timeline synchronised with playback, segment table). The recordings are copied\n"
    "(hard-linked when possible) into REPORT-DIR/recordings/, so the folder works offline as it is.\n"
    "\n"
    "  --model FILE  a model for emotiondetect; repeat to fuse several (default: the shipped model)\n"
    "  --retag       tag even when results exist next to a recording (STEM.jsonl); by default\n"
    "                those are read instead\n"
    "  --out DIR     the report folder (created; its pages are replaced)\n"
    "  --help        this text\n";

struct Arguments {
    std::vector<std::string> models;
    bool retag = false;
    std::string out, input;
};

Arguments parse_arguments(int argc, char** argv) {
    Arguments a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--model")
            a.models.push_back(value());
        else if (arg == "--out")
            a.out = value();
        else if (arg == "--retag")
            a.retag = true;
        else if (arg.size() > 1 && arg[0] == '-')
            throw std::invalid_argument("unknown option " + arg);
        else if (!a.input.empty())
            throw std::invalid_argument("unexpected argument '" + arg + "' (one FOLDER or MANIFEST)");
        else
            a.input = arg;
    }
    if (a.input.empty()) throw std::invalid_argument("no FOLDER or MANIFEST given");
    if (a.out.empty()) throw std::invalid_argument("--out REPORT-DIR is required");
    for (const auto& m : a.models)
        if (m.empty() || m.find(',') != std::string::npos)
            throw std::invalid_argument("--model takes one file name without commas: '" + m + "'");
    return a;
}

// The recording beside its page: a hard link when the file system allows, else a copy.
void place_file(const fs::path& from, const fs::path& to) {
    std::error_code error;
    fs::remove(to, error);
    fs::create_hard_link(from, to, error);
    if (error) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

RecordingReport process(const ArchiveEntry& entry, const Arguments& args, const fs::path& pages,
                        const TagProgress& progress) {
    RecordingReport report;
    report.entry = entry;
    try {
        std::error_code error;
        if (!fs::is_regular_file(entry.path, error)) throw std::runtime_error("no such file");
        const std::string extension = fs::path(entry.path).extension().string();
        report.results_file = entry.id + ".jsonl";
        const fs::path results_path = pages / report.results_file;
        if (!entry.results.empty() && !args.retag) {
            report.results = read_results_jsonl(entry.results);
            place_file(entry.results, results_path);
        } else {
            std::string models;
            for (const auto& m : args.models) models += (models.empty() ? "" : ",") + m;
            report.duration = tag_recording(entry.path, models, results_path.string(), progress);
            report.results = read_results_jsonl(results_path.string());
        }
        for (const auto& s : report.results.segments) report.duration = std::max(report.duration, s.end);
        report.audio_file = entry.id + extension;
        place_file(entry.path, pages / report.audio_file);
    } catch (const std::exception& e) {
        report.error = e.what();
        std::error_code ignored; // no half-written results of a recording that failed
        if (!report.results_file.empty()) fs::remove(pages / report.results_file, ignored);
    }
    return report;
}

} // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs(kUsage, stdout);
            return 0;
        }
    Arguments args;
    try {
        args = parse_arguments(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-report: %s\n%.*s(--help for more)\n", e.what(),
                     int(std::strchr(kUsage, '\n') - kUsage + 1), kUsage);
        return 2;
    }
    gst_init(&argc, &argv);
    std::vector<ArchiveEntry> entries;
    try {
        // a bad model would fail every recording: refuse it before the first one
        for (const auto& m : args.models) emotion::io::require_regular_file(m, "model");
        entries = list_archive(args.input, args.out);
        if (entries.empty()) throw std::runtime_error(args.input + ": no recordings found");
        fs::create_directories(fs::path(args.out) / "recordings");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-report: %s\n", e.what());
        return 1;
    }
    const bool tags = std::any_of(entries.begin(), entries.end(),
                                  [&](const ArchiveEntry& e) { return e.results.empty() || args.retag; });
    if (tags) {
        const std::string missing = check_tagging_elements();
        if (!missing.empty()) {
            std::fprintf(stderr, "emotion-report: %s\n", missing.c_str());
            return 1;
        }
    }

    const fs::path pages = fs::path(args.out) / "recordings";
    ProgressBar bar(entries.size(), stderr);
    std::vector<RecordingReport> reports;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        bar.update(i, entries[i].name, 0.0);
        reports.push_back(process(entries[i], args, pages,
                                  [&](double fraction) { bar.update(i, entries[i].name, fraction); }));
    }
    bar.finish();

    std::size_t failed = 0;
    try {
        const LabelColourMap colours = label_colour_map(reports);
        for (const auto& r : reports) {
            if (r.error.empty())
                write_recording_page(args.out, r, colours);
            else
                std::fprintf(stderr, "emotion-report: %s: %s\n", r.entry.name.c_str(), r.error.c_str()),
                    ++failed;
        }
        write_index_page(args.out, reports, colours);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-report: %s\n", e.what());
        return 1;
    }
    std::printf("%s/index.html: %zu recordings, %zu unreadable\n", args.out.c_str(), reports.size(), failed);
    return 0;
}
