// Result writers: every format parsed back.
#include <cstdio>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "io/results.h"
#include "test_main.h"

using namespace emotion::io;

namespace {

Result sample(const std::string& id, double start, double duration, int best) {
    Result r;
    r.segment_id = id;
    r.start = start;
    r.duration = duration;
    r.labels = {"angry", "happy", "neutral", "sad"};
    r.scores = {0.1f, 0.2f, 0.3f, 0.4f};
    r.scores[best] = 0.7f;
    r.best = best;
    r.model = "alstm.safetensors";
    return r;
}

std::string render(ResultFormat format, const std::vector<Result>& results) {
    std::FILE* file = std::tmpfile();
    auto writer = ResultWriter::create(format, file);
    for (const auto& r : results) writer->write(r);
    std::rewind(file);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
    return text;
}

} // namespace

TEST(timestamps) {
    EXPECT(format_timestamp(0.0, '.') == "00:00:00.000");
    EXPECT(format_timestamp(3723.4567, ',') == "01:02:03,457");
    EXPECT(format_timestamp(-1.0, '.') == "00:00:00.000");
}

TEST(jsonl_round_trip) {
    Result r = sample("utt1", 1.5, 2.25, 0);
    r.true_label = "angry";
    std::string text = render(ResultFormat::JsonLines, {r, sample("utt2", 4.0, 1.0, 3)});
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);
    auto j = nlohmann::json::parse(line);
    EXPECT(j["segment"] == "utt1");
    EXPECT(j["label"] == "angry");
    EXPECT_NEAR(j["start"].get<double>(), 1.5, 1e-9);
    EXPECT_NEAR(j["end"].get<double>(), 3.75, 1e-9);
    EXPECT_NEAR(j["scores"]["angry"].get<double>(), 0.7, 1e-6);
    EXPECT(j["true"] == "angry");
    std::getline(lines, line);
    EXPECT(nlohmann::json::parse(line)["label"] == "sad");
    EXPECT(!std::getline(lines, line));
}

TEST(csv_header_and_rows) {
    Result r = sample("a,b", 0.0, 1.0, 1);
    std::string text = render(ResultFormat::Csv, {r});
    std::istringstream lines(text);
    std::string header, row;
    std::getline(lines, header);
    std::getline(lines, row);
    EXPECT(header ==
           "segment,start,end,label,confidence,true,angry,happy,neutral,sad,arousal,valence,arousal_level,"
           "uncertain");
    EXPECT_MSG(row.rfind("\"a,b\",0.000,1.000,happy,0.700000,,", 0) == 0, row);
    // without arousal/valence: empty fields
    EXPECT_MSG(row.size() > 17 && row.substr(row.size() - 17) == "0.400000,,,,false", row);
}

TEST(jsonl_affect_and_uncertain) {
    Result r = sample("u", 0.0, 1.0, 0);
    std::string plain = render(ResultFormat::JsonLines, {r});
    auto j = nlohmann::json::parse(plain);
    EXPECT(j["arousal"].is_null() && j["valence"].is_null() && j["arousal_level"].is_null());
    EXPECT(j["uncertain"] == false);
    r.has_affect = true;
    r.arousal = 0.5f;
    r.valence = -0.25f;
    r.high_arousal = true;
    r.uncertain = true;
    j = nlohmann::json::parse(render(ResultFormat::JsonLines, {r}));
    EXPECT_NEAR(j["arousal"].get<double>(), 0.5, 1e-6);
    EXPECT_NEAR(j["valence"].get<double>(), -0.25, 1e-6);
    EXPECT(j["arousal_level"] == "high");
    EXPECT(j["uncertain"] == true);
    EXPECT(j["label"] == "angry"); // the most likely class stays
}

TEST(csv_affect_and_uncertain_columns) {
    Result r = sample("c", 0.0, 1.0, 3);
    r.has_affect = true;
    r.arousal = -0.6f;
    r.valence = -0.7f;
    r.uncertain = true;
    std::istringstream lines(render(ResultFormat::Csv, {r}));
    std::string header, row;
    std::getline(lines, header);
    std::getline(lines, row);
    EXPECT_MSG(
        row == "c,0.000,1.000,sad,0.700000,,0.100000,0.200000,0.300000,0.700000,-0.600000,-0.700000,low,true",
        row);
}

TEST(subtitles_say_uncertain) {
    Result r = sample("s", 0.0, 1.0, 1);
    r.uncertain = true;
    std::string text = render(ResultFormat::Srt, {r});
    EXPECT_MSG(text.find("\nuncertain (70%)\n") != std::string::npos, text);
}

TEST(webvtt_cues) {
    std::string text = render(ResultFormat::WebVtt, {sample("w0", 0.0, 3.0, 2), sample("w1", 3.0, 3.0, 3)});
    EXPECT(text.rfind("WEBVTT\n\n", 0) == 0);
    EXPECT_MSG(text.find("w0\n00:00:00.000 --> 00:00:03.000\nneutral (70%)\n\n") != std::string::npos, text);
    EXPECT(text.find("00:00:03.000 --> 00:00:06.000\nsad (70%)") != std::string::npos);
    EXPECT(text.find("WEBVTT", 1) == std::string::npos);
}

TEST(srt_numbering) {
    std::string text = render(ResultFormat::Srt, {sample("a", 0.5, 1.0, 0), sample("b", 2.0, 1.0, 1)});
    EXPECT_MSG(text == "1\n00:00:00,500 --> 00:00:01,500\nangry (70%)\n\n"
                       "2\n00:00:02,000 --> 00:00:03,000\nhappy (70%)\n\n",
               text);
}

TEST(interim_results_only_in_json_lines) {
    Result interim = sample("u", 1.0, 1.0, 1);
    interim.interim = true;
    const Result final_result = sample("u", 1.0, 3.0, 0);
    std::istringstream lines(render(ResultFormat::JsonLines, {interim, final_result}));
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    EXPECT_MSG(nlohmann::json::parse(first)["interim"] == true, first);
    EXPECT_MSG(!nlohmann::json::parse(second).contains("interim"), second); // final records unchanged
    // a cue and a row per segment: its final result
    auto count = [](const std::string& text, const std::string& what) {
        size_t n = 0;
        for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    const std::string vtt = render(ResultFormat::WebVtt, {interim, final_result});
    EXPECT_MSG(
        count(vtt, "-->") == 1 && vtt.find("00:00:01.000 --> 00:00:04.000\nangry") != std::string::npos, vtt);
    const std::string srt = render(ResultFormat::Srt, {interim, final_result});
    EXPECT_MSG(count(srt, "-->") == 1 && srt.rfind("1\n00:00:01,000 --> 00:00:04,000\nangry", 0) == 0, srt);
    const std::string csv = render(ResultFormat::Csv, {interim, final_result});
    EXPECT_MSG(count(csv, "\n") == 2 && csv.find("\nu,1.000,4.000,angry,") != std::string::npos, csv);
}

TEST(format_names) {
    EXPECT(parse_result_format("srt") == ResultFormat::Srt);
    EXPECT_THROWS(parse_result_format("xml"));
}

TEST(format_from_the_extension) {
    EXPECT(result_format_for_path("out/e.vtt") == ResultFormat::WebVtt);
    EXPECT(result_format_for_path("E.WEBVTT") == ResultFormat::WebVtt);
    EXPECT(result_format_for_path("e.srt") == ResultFormat::Srt);
    EXPECT(result_format_for_path("e.CSV") == ResultFormat::Csv);
    EXPECT(result_format_for_path("e.json") == ResultFormat::JsonLines);
    EXPECT(result_format_for_path("e.jsonl") == ResultFormat::JsonLines);
    EXPECT(result_format_for_path("e.ndjson") == ResultFormat::JsonLines);
    EXPECT(result_format_for_path("/dev/stdout") == ResultFormat::JsonLines); // no extension
    EXPECT(result_format_for_path("dir.vtt/results") ==
           ResultFormat::JsonLines); // the folder's is no extension
    EXPECT(result_format_for_path(".hidden") == ResultFormat::JsonLines);
    EXPECT_THROWS(result_format_for_path("e.txt"));
    EXPECT_THROWS(result_format_for_path("e.vtt.gz"));
    try {
        result_format_for_path("e.txt");
    } catch (const std::invalid_argument& e) {
        EXPECT_MSG(std::string(e.what()).find("'.txt'") != std::string::npos, e.what());
    }
}

TEST(cue_text_placeholders) {
    EXPECT(cue_text(kDefaultCueFormat, "angry", 0.744) == "angry (74%)");
    EXPECT(cue_text(kDefaultCueFormat, "angry", 0.746) == "angry (75%)"); // rounded, not truncated
    EXPECT(cue_text("{label} {confidence}", "sad", 0.5) == "sad 0.50");
    EXPECT(cue_text("[{segment}] {label}: {percent} %", "happy", 1.0, "vad3") == "[vad3] happy: 100 %");
    EXPECT(cue_text("no placeholder", "happy", 1.0) == "no placeholder");
    EXPECT_THROWS(check_cue_format("{score}"));
    EXPECT_THROWS(check_cue_format("{label"));
    EXPECT_THROWS(check_cue_format("{}"));
    check_cue_format(kDefaultCueFormat); // does not throw

    // the subtitle writers take it
    std::FILE* file = std::tmpfile();
    auto writer = ResultWriter::create(ResultFormat::Srt, file, "{label}={confidence}");
    writer->write(sample("a", 0.0, 1.0, 0));
    std::rewind(file);
    char text[256] = {0};
    EXPECT(std::fread(text, 1, sizeof text - 1, file) > 0);
    std::fclose(file);
    EXPECT_MSG(std::string(text) == "1\n00:00:00,000 --> 00:00:01,000\nangry=0.70\n\n", text);
    std::FILE* other = std::tmpfile();
    EXPECT_THROWS(ResultWriter::create(ResultFormat::WebVtt, other, "{oops}"));
    std::fclose(other);
}

TEST_MAIN()
