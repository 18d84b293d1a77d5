#include "site.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "io/files.h"
#include "progress.h"
#include "site-assets.h"

namespace emotion::tools {

namespace {

std::string css_colour(const std::array<double, 3>& rgb) {
    char text[16];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", int(std::lround(rgb[0] * 255)),
                  int(std::lround(rgb[1] * 255)), int(std::lround(rgb[2] * 255)));
    return text;
}

std::string percent(double share) {
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%", 100.0 * share);
    return text;
}

std::string head(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
           html_escape(title) + "</title>\n<style>\n" + kReportStyle + "</style>\n</head>\n";
}

// The stacked bar of a recording's shares; each part's title names label and share.
std::string shares_bar(const std::map<std::string, double>& shares, const LabelColourMap& colours) {
    std::string html = "<div class=\"bar\">";
    for (const auto& [label, share] : shares)
        html += "<span style=\"width:" + std::to_string(100.0 * share) +
                "%;background:" + css_colour(colours.at(label)) + "\" title=\"" + html_escape(label) + " " +
                percent(share) + "\"></span>";
    return html + "</div>";
}

std::string legend(const LabelColourMap& colours) {
    std::string html = "<p class=\"legend\">";
    for (const auto& [label, rgb] : colours)
        html +=
            "<span><i style=\"background:" + css_colour(rgb) + "\"></i>" + html_escape(label) + "</span> ";
    return html + "</p>\n";
}

} // namespace

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string script_json(const std::string& json) {
    std::string out;
    for (size_t i = 0; i < json.size(); ++i) {
        if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') {
            out += "<\\/";
            ++i;
        } else {
            out += json[i];
        }
    }
    return out;
}

LabelColourMap label_colour_map(const std::vector<RecordingReport>& reports) {
    LabelColourMap colours;
    std::size_t others = 0;
    for (const auto& report : reports)
        for (const auto& s : report.results.segments) {
            if (colours.count(s.label)) continue;
            colours[s.label] = emotion_colour(s.label, others);
            if (emotion_colour(s.label, 0) != emotion_colour(s.label, 1)) ++others; // not a fixed colour
        }
    return colours;
}

void write_index_page(const std::string& out_dir, const std::vector<RecordingReport>& reports,
                      const LabelColourMap& colours) {
    std::size_t failed = 0;
    for (const auto& r : reports) failed += !r.error.empty();
    std::string html = head("Emotion report") + "<body>\n<h1>Emotion report</h1>\n<p class=\"summary\">" +
                       std::to_string(reports.size()) + " recordings, " +
                       std::to_string(reports.size() - failed) + " tagged, " + std::to_string(failed) +
                       " unreadable. Shares are of the speech time.</p>\n" + legend(colours);
    html += "<p class=\"filters\"><label>Dominant emotion <select id=\"dominant\"><option "
            "value=\"\">any</option>";
    for (const auto& entry : colours) html += "<option>" + html_escape(entry.first) + "</option>";
    html += "</select></label> <label>Name <input id=\"search\" type=\"search\" placeholder=\"part of the "
            "name\"></label> <span id=\"shown\"></span></p>\n";
    html += "<table id=\"recordings\">\n<thead><tr><th>Recording</th><th>Emotion shares</th><th>Dominant</th>"
            "<th>Duration</th><th>Segments</th><th>Model</th></tr></thead>\n<tbody>\n";
    for (const auto& r : reports) {
        if (!r.error.empty()) continue;
        const auto shares = time_shares(r.results.segments);
        const std::string dominant = dominant_label(shares);
        nlohmann::json share_json = shares;
        html += "<tr class=\"recording\" data-name=\"" + html_escape(r.entry.name) + "\" data-dominant=\"" +
                html_escape(dominant) + "\" data-shares=\"" + html_escape(share_json.dump()) +
                "\"><td><a href=\"recordings/" + html_escape(r.entry.id) + ".html\">" +
                html_escape(r.entry.name) + "</a></td><td>" + shares_bar(shares, colours) + "</td><td>" +
                html_escape(dominant.empty() ? "-" : dominant) + "</td><td class=\"number\">" +
                clock_text(r.duration) + "</td><td class=\"number\">" +
                std::to_string(r.results.segments.size()) + "</td><td>" + html_escape(r.results.model) +
                "</td></tr>\n";
    }
    html += "</tbody>\n</table>\n";
    if (failed) {
        html += "<h2>Unreadable recordings</h2>\n<table "
                "id=\"errors\">\n<thead><tr><th>Recording</th><th>Error</th>"
                "</tr></thead>\n<tbody>\n";
        for (const auto& r : reports)
            if (!r.error.empty())
                html += "<tr class=\"error\" data-name=\"" + html_escape(r.entry.name) + "\"><td>" +
                        html_escape(r.entry.name) + "</td><td>" + html_escape(r.error) + "</td></tr>\n";
        html += "</tbody>\n</table>\n";
    }
    html += "<script>\n" + std::string(kIndexScript) + "</script>\n</body>\n</html>\n";
    io::write_file_atomically(out_dir + "/index.html", html);
}

void write_recording_page(const std::string& out_dir, const RecordingReport& report,
                          const LabelColourMap& colours) {
    const RecordingResults& results = report.results;
    // labels by index, segments as arrays: 10 hours of 3 s segments stay a few hundred KB
    nlohmann::ordered_json data;
    std::map<std::string, int> label_index;
    nlohmann::json labels = nlohmann::json::array(), label_colours = nlohmann::json::array();
    for (const auto& [label, rgb] : colours) {
        label_index[label] = static_cast<int>(labels.size());
        labels.push_back(label);
        label_colours.push_back(css_colour(rgb));
    }
    nlohmann::json segments = nlohmann::json::array();
    for (const auto& s : results.segments) {
        auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
        nlohmann::json row = {round3(s.start), round3(s.end), label_index.at(s.label), round3(s.confidence)};
        if (results.arousal || results.valence) {
            row.push_back(s.arousal ? nlohmann::json(round3(*s.arousal)) : nlohmann::json());
            row.push_back(s.valence ? nlohmann::json(round3(*s.valence)) : nlohmann::json());
        }
        segments.push_back(row);
    }
    data["name"] = report.entry.name;
    data["duration"] = report.duration;
    data["labels"] = labels;
    data["colours"] = label_colours;
    data["arousal"] = results.arousal;
    data["valence"] = results.valence;
    data["rowsPerPage"] = kTableRowsPerPage;
    data["segments"] = segments;

    const auto shares = time_shares(results.segments);
    std::string html = head(report.entry.name + " - emotion report") +
                       "<body>\n<p><a href=\"../index.html\">"
                       "&larr; all recordings</a></p>\n<h1>" +
                       html_escape(report.entry.name) + "</h1>\n";
    html += "<p class=\"summary\">" + clock_text(report.duration) + ", " +
            std::to_string(results.segments.size()) + " segments" +
            (results.model.empty() ? "" : ", model " + html_escape(results.model)) +
            (report.results_file.empty()
                 ? ""
                 : ", <a href=\"" + html_escape(report.results_file) + "\">results (JSON Lines)</a>") +
            "</p>\n" + shares_bar(shares, colours) + legend(colours);
    if (!report.audio_file.empty())
        html += "<audio id=\"player\" controls preload=\"auto\" src=\"" + html_escape(report.audio_file) +
                "\"></audio>\n";
    html += "<div class=\"timeline\"><canvas id=\"overview\" height=\"36\"></canvas><div "
            "id=\"overview-view\"></div>"
            "<div id=\"overview-cursor\" class=\"cursor\"></div></div>\n"
            "<p class=\"zoom\"><label>Detail <select id=\"span\"></select></label> <span "
            "id=\"view-range\"></span>"
            "</p>\n<svg id=\"detail\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n"
            "<p class=\"pager\"><button id=\"previous\">&lsaquo; previous</button> <span id=\"page\"></span> "
            "<button id=\"next\">next &rsaquo;</button></p>\n<table id=\"segments\">\n<thead><tr><th>#</th>"
            "<th>Start</th><th>End</th><th>Label</th><th>Confidence</th>";
    if (results.arousal) html += "<th>Arousal</th>";
    if (results.valence) html += "<th>Valence</th>";
    html += "</tr></thead>\n<tbody></tbody>\n</table>\n<script>\nconst REPORT = " + script_json(data.dump()) +
            ";\n" + kRecordingScript + "</script>\n</body>\n</html>\n";
    io::write_file_atomically(out_dir + "/recordings/" + report.entry.id + ".html", html);
}

} // namespace emotion::tools
