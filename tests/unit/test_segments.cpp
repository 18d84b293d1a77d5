// The stream layer without GStreamer: fixed windows, the segment collector (fallback windows,
// upstream segments, max-duration parts, interim parts, whole mu-law segments, flush and stream
// reset, bounded memory), speech segments from the VAD and the bookkeeping of upstream segments.
#include <string>
#include <vector>

#include "stream/fixed_windows.h"
#include "stream/segment_collector.h"
#include "stream/speech_segments.h"
#include "stream/upstream_segments.h"
#include "test_main.h"

using namespace emotion::stream;

namespace {

constexpr Time kMs = kSecond / 1000;
constexpr int kSize = 2; // floats per test frame: {index, -index}

// Windows as "id:first-last" strings, to compare whole sequences at once.
std::string describe(const std::vector<FixedWindows::Window>& windows) {
    std::string s;
    for (const auto& w : windows)
        s += (s.empty() ? "" : " ") + w.id + ":" + std::to_string(w.first) + "-" + std::to_string(w.last);
    return s;
}

// Feeds `count` frames of the test stream (frame i holds {i, -i} and starts at i * 10 ms) in
// buffers of `per_buffer` frames, counting from frame `first`.
void feed(SegmentCollector& c, int64_t first, int64_t count, int64_t per_buffer = 10) {
    std::vector<float> values;
    for (int64_t done = 0; done < count; done += per_buffer) {
        const int64_t n = std::min(per_buffer, count - done);
        values.clear();
        for (int64_t i = first + done; i < first + done + n; ++i) {
            values.push_back(static_cast<float>(i));
            values.push_back(-static_cast<float>(i));
        }
        c.add(values.data(), static_cast<size_t>(n), (first + done) * 10 * kMs, n * 10 * kMs);
    }
}

struct Taken {
    std::string id, segment_id, emotion;
    Time start, end;
    int64_t frames;
    bool frames_right; // the part's frames are frames [first, first + count) of the stream
    size_t items;
    bool interim;
};

std::vector<Taken> take(SegmentCollector& c) {
    std::vector<Taken> taken;
    Part p;
    while (c.next_part(&p)) {
        bool right = true;
        const int64_t first = p.frame_count > 0 ? static_cast<int64_t>(p.frames[0]) : 0;
        for (int64_t i = 0; i < p.frame_count; ++i)
            right &= p.frames[i * kSize] == static_cast<float>(first + i) &&
                     p.frames[i * kSize + 1] == -static_cast<float>(first + i);
        if (p.frame_count > 0)
            right &= p.start == first * 10 * kMs && p.end == (first + p.frame_count) * 10 * kMs;
        taken.push_back({p.id, p.segment.id, p.segment.true_emotion, p.start, p.end, p.frame_count, right,
                         p.items.size(), p.interim});
    }
    return taken;
}

std::string ids(const std::vector<Taken>& taken) {
    std::string s;
    for (const auto& t : taken) s += (s.empty() ? "" : " ") + t.id;
    return s;
}

// First frame of each part (from its start time) and its length: "first+count ...".
std::string spans(const std::vector<Taken>& taken) {
    std::string s;
    for (const auto& t : taken)
        s += (s.empty() ? "" : " ") + std::to_string(t.frames ? t.start / (10 * kMs) : -1) + "+" +
             std::to_string(t.frames);
    return s;
}

// "~" before the id of each interim part: "~u ~u u".
std::string kinds(const std::vector<Taken>& taken) {
    std::string s;
    for (const auto& t : taken) s += (s.empty() ? "" : " ") + std::string(t.interim ? "~" : "") + t.id;
    return s;
}

bool all_frames_right(const std::vector<Taken>& taken) {
    for (const auto& t : taken)
        if (!t.frames_right) return false;
    return true;
}

CollectorSettings frame_settings(double window = 1.0, double hop = 0.5, double max_duration = 30.0) {
    CollectorSettings s;
    s.item_size = kSize;
    s.window = window;
    s.hop = hop;
    s.max_duration = max_duration;
    return s;
}

SegmentLabels labels(const std::string& id, const std::string& emotion = "") {
    SegmentLabels l;
    l.id = id;
    l.true_emotion = emotion;
    return l;
}

} // namespace

// ---- fixed windows -----------------------------------------------------------------------------

TEST(windows_start_every_hop_and_end_after_window) {
    FixedWindows w(4, 2);
    std::vector<FixedWindows::Window> started, ended;
    std::vector<std::string> per_frame;
    for (int f = 0; f < 9; ++f) {
        started.clear();
        ended.clear();
        w.frame(&started, &ended);
        per_frame.push_back(describe(started) + "|" + describe(ended));
    }
    const std::vector<std::string> expected = {"w0:0-4|", "|",        "w1:2-6|", "|w0:0-4", "w2:4-8|",
                                               "|w1:2-6", "w3:6-10|", "|w2:4-8", "w4:8-12|"};
    EXPECT(per_frame == expected);
    EXPECT(w.open());
    EXPECT(w.first_open_frame() == 6);
    // the end of the sequence ends the open windows where it ends, shorter
    ended.clear();
    w.close(&ended);
    EXPECT_MSG(describe(ended) == "w3:6-9 w4:8-9", describe(ended));
    EXPECT(!w.open() && w.frames() == 0);
    // ids go on after close, from frame 0 again; restart_ids starts them at 0
    started.clear();
    w.frame(&started, nullptr);
    EXPECT_MSG(describe(started) == "w5:0-4", describe(started));
    w.close(nullptr);
    w.restart_ids();
    started.clear();
    w.frame(&started, nullptr);
    EXPECT_MSG(describe(started) == "w0:0-4", describe(started));
}

TEST(windows_with_a_hop_longer_than_the_window_leave_gaps) {
    FixedWindows w(2, 5, "x");
    std::vector<FixedWindows::Window> started, ended;
    for (int f = 0; f < 11; ++f) w.frame(&started, &ended);
    EXPECT_MSG(describe(started) == "x0:0-2 x1:5-7 x2:10-12", describe(started));
    EXPECT_MSG(describe(ended) == "x0:0-2 x1:5-7", describe(ended));
    EXPECT(w.first_open_frame() == 10);
    for (int f = 11; f < 13; ++f) w.frame(nullptr, nullptr);
    EXPECT(!w.open() && w.first_open_frame() == 13);
}

TEST(windows_close_rest_ends_only_the_uncovered_rest) {
    std::vector<FixedWindows::Window> ended;
    // window 4, hop 2, 7 frames: w0 0-4 and w1 2-6 ended, w2 (4-) and w3 (6-) open
    FixedWindows w(4, 2);
    for (int f = 0; f < 7; ++f) w.frame(nullptr, &ended);
    ended.clear();
    w.close_rest(&ended);
    EXPECT_MSG(describe(ended) == "w2:4-7", describe(ended));
    // w3 was dropped and gave its id back
    std::vector<FixedWindows::Window> started;
    w.frame(&started, nullptr);
    EXPECT_MSG(describe(started) == "w3:0-4", describe(started));

    // everything covered by ended windows: nothing more
    FixedWindows covered(4, 2);
    for (int f = 0; f < 6; ++f) covered.frame(nullptr, nullptr);
    ended.clear();
    covered.close_rest(&ended);
    EXPECT_MSG(describe(ended).empty(), describe(ended));

    // shorter than one window: the whole sequence
    FixedWindows short_one(10, 10);
    for (int f = 0; f < 3; ++f) short_one.frame(nullptr, nullptr);
    ended.clear();
    short_one.close_rest(&ended);
    EXPECT_MSG(describe(ended) == "w0:0-3", describe(ended));

    // nothing at all: nothing
    FixedWindows empty(10, 10);
    ended.clear();
    empty.close_rest(&ended);
    EXPECT(ended.empty());
}

TEST(windows_dropped_open_give_their_ids_back) {
    FixedWindows w(4, 2);
    std::vector<FixedWindows::Window> ended;
    for (int f = 0; f < 5; ++f) w.frame(nullptr, &ended); // w0 ended, w1 and w2 open
    w.drop_open();
    EXPECT(!w.open() && w.frames() == 0);
    std::vector<FixedWindows::Window> started;
    w.frame(&started, nullptr);
    EXPECT_MSG(describe(started) == "w1:0-4", describe(started));
}

// ---- collector: fallback windows ---------------------------------------------------------------

TEST(collector_fallback_windows_and_the_short_last_one) {
    SegmentCollector c(frame_settings(1.0, 0.5));
    feed(c, 0, 170, 9);
    auto before = take(c);
    EXPECT_MSG(ids(before) == "w0 w1", ids(before));
    EXPECT_MSG(spans(before) == "0+100 50+100", spans(before));
    c.finish();
    auto after = take(c);
    EXPECT_MSG(ids(after) == "w2", ids(after));
    EXPECT_MSG(spans(after) == "100+70", spans(after));
    EXPECT(all_frames_right(before) && all_frames_right(after));
    EXPECT(before[0].segment_id == "w0" && before[0].emotion.empty());
}

TEST(collector_windows_ids_go_on_across_streams) {
    SegmentCollector c(frame_settings(1.0, 1.0));
    feed(c, 0, 250);
    c.finish();
    EXPECT_MSG(ids(take(c)) == "w0 w1 w2", "first stream");
    c.start_stream();
    feed(c, 0, 150);
    c.finish();
    auto second = take(c);
    EXPECT_MSG(ids(second) == "w3 w4", ids(second));
    EXPECT_MSG(spans(second) == "0+100 100+50", spans(second));
}

TEST(collector_windows_off_when_unsegmented_input_is_not_covered) {
    CollectorSettings s = frame_settings();
    s.cover_unsegmented = false;
    SegmentCollector c(s);
    feed(c, 0, 500);
    c.finish();
    EXPECT(take(c).empty());
    EXPECT(c.frames_held() == 0); // nothing kept for windows that never come
}

// ---- collector: upstream segments --------------------------------------------------------------

TEST(collector_upstream_segments_take_over_from_windows) {
    SegmentCollector c(frame_settings(1.0, 0.5));
    feed(c, 0, 120); // w0 0-100 ready; w1 (50-) and w2 (100-) begun
    EXPECT_MSG(ids(take(c)) == "w0", "the first window");
    EXPECT(!c.upstream_segments_seen());
    EXPECT(c.start_segment(labels("a", "happy")));
    EXPECT(c.upstream_segments_seen());
    feed(c, 120, 200); // no more windows
    EXPECT(take(c).empty());
    EXPECT(c.end_segment("a"));
    feed(c, 320, 30); // between segments: dropped
    c.start_segment(labels("b"));
    feed(c, 350, 40);
    c.finish(); // b is still open: it ends here; no last window
    auto parts = take(c);
    EXPECT_MSG(ids(parts) == "a b", ids(parts));
    EXPECT_MSG(spans(parts) == "120+200 350+40", spans(parts));
    EXPECT(all_frames_right(parts));
    EXPECT(parts[0].emotion == "happy" && parts[0].segment_id == "a");
    // the windows begun before the first event never took their ids
    c.start_stream();
    EXPECT(!c.upstream_segments_seen());
    feed(c, 0, 100);
    EXPECT_MSG(ids(take(c)) == "w1", "window ids after the dropped ones");
}

TEST(collector_unknown_ends_and_restarted_segments) {
    SegmentCollector c(frame_settings());
    EXPECT(!c.end_segment("nobody"));
    c.start_segment(labels("a", "sad"));
    feed(c, 0, 50);
    EXPECT(!c.start_segment(labels("a", "angry"))); // restarted: its frames so far are gone
    feed(c, 50, 30);
    EXPECT(c.end_segment("a"));
    EXPECT(!c.end_segment("a"));
    auto parts = take(c);
    EXPECT_MSG(spans(parts) == "50+30", spans(parts));
    EXPECT(parts.size() == 1 && parts[0].emotion == "angry");
}

TEST(collector_overlapping_segments_and_an_empty_one) {
    SegmentCollector c(frame_settings());
    c.start_segment(labels("outer"));
    feed(c, 0, 40);
    c.start_segment(labels("inner"));
    c.start_segment(labels("empty"));
    c.end_segment("empty");
    feed(c, 40, 40);
    c.end_segment("inner");
    feed(c, 80, 20);
    c.end_segment("outer");
    auto parts = take(c);
    EXPECT_MSG(ids(parts) == "empty inner outer", ids(parts));
    EXPECT_MSG(spans(parts) == "-1+0 40+40 0+100", spans(parts));
    EXPECT(parts[0].start == kNoTime && parts[0].end == kNoTime);
    EXPECT(all_frames_right(parts));
}

TEST(collector_max_duration_parts) {
    SegmentCollector c(frame_settings(3.0, 3.0, 1.0));
    c.start_segment(labels("long", "neutral"));
    feed(c, 0, 100);
    auto early = take(c); // the first part leaves as soon as it is full
    EXPECT_MSG(ids(early) == "long.0", ids(early));
    feed(c, 100, 150);
    c.end_segment("long");
    auto rest = take(c);
    EXPECT_MSG(ids(rest) == "long.1 long.2", ids(rest));
    EXPECT_MSG(spans(early) + " " + spans(rest) == "0+100 100+100 200+50", spans(rest));
    EXPECT(rest[1].segment_id == "long" && rest[1].emotion == "neutral");
    EXPECT(all_frames_right(early) && all_frames_right(rest));

    // a part is checked once per buffer: a large buffer makes a longer part
    SegmentCollector big(frame_settings(3.0, 3.0, 1.0));
    big.start_segment(labels("x"));
    feed(big, 0, 250, 250);
    big.finish();
    auto parts = take(big);
    EXPECT_MSG(ids(parts) == "x.0 x.1", ids(parts));
    EXPECT_MSG(spans(parts) == "0+250 -1+0", spans(parts));
    // max-duration in whole frames, rounded down
    SegmentCollector odd(frame_settings(3.0, 3.0, 1.006));
    odd.start_segment(labels("y"));
    feed(odd, 0, 100, 1);
    EXPECT_MSG(ids(take(odd)) == "y.0", "1.006 s holds 100 frames");
}

TEST(collector_interim_parts_of_an_open_segment) {
    CollectorSettings s = frame_settings(1.0, 0.5);
    s.interim = 1.0;
    SegmentCollector c(s);
    feed(c, 0, 50); // fallback windows: never interim
    c.start_segment(labels("u", "sad"));
    feed(c, 50, 350);
    c.end_segment("u");
    auto parts = take(c);
    // every 100 frames from the segment's start, each from the start; then the final part
    EXPECT_MSG(kinds(parts) == "~u ~u ~u u", kinds(parts));
    EXPECT_MSG(spans(parts) == "50+100 50+200 50+300 50+350", spans(parts));
    EXPECT(parts.size() == 4 && parts[0].segment_id == "u" && parts[2].emotion == "sad");
    EXPECT(all_frames_right(parts));

    // max-duration still cuts parts; interim ones count from the current part's start
    s.max_duration = 2.0;
    SegmentCollector cut(s);
    cut.start_segment(labels("long"));
    feed(cut, 0, 450);
    cut.end_segment("long");
    parts = take(cut);
    EXPECT_MSG(kinds(parts) == "~long long.0 ~long.1 long.1 long.2", kinds(parts));
    EXPECT_MSG(spans(parts) == "0+100 0+200 200+100 200+200 400+50", spans(parts));

    // off: none; mode=train settings switch it off (ClassifierSettings::collector)
    SegmentCollector off(frame_settings(1.0, 0.5));
    off.start_segment(labels("u"));
    feed(off, 0, 350);
    off.end_segment("u");
    EXPECT_MSG(kinds(take(off)) == "u", "interim = 0 gives only the final part");
}

// ---- collector: memory on endless streams ------------------------------------------------------

TEST(collector_memory_stays_bounded_over_hours) {
    const int64_t hours = 3, total = hours * 3600 * kFramesPerSecond;
    // fallback windows
    SegmentCollector windows(frame_settings(3.0, 1.5));
    int64_t most = 0, results = 0;
    for (int64_t f = 0; f < total; f += 100) {
        feed(windows, f, 100, 100);
        results += static_cast<int64_t>(take(windows).size());
        most = std::max(most, windows.frames_held());
    }
    EXPECT_MSG(most <= 300 + 1024 + 100, "windows held " + std::to_string(most) + " frames");
    EXPECT(results == (total - 300) / 150 + 1);
    EXPECT(windows.first_needed_start() >= (total - 300) * 10 * kMs);
    // an upstream segment that never ends, published in parts
    SegmentCollector endless(frame_settings(3.0, 3.0, 30.0));
    endless.start_segment(labels("talk"));
    most = results = 0;
    for (int64_t f = 0; f < total; f += 100) {
        feed(endless, f, 100, 100);
        results += static_cast<int64_t>(take(endless).size());
        most = std::max(most, endless.frames_held());
    }
    EXPECT_MSG(most <= 3000 + 1024 + 100, "segment held " + std::to_string(most) + " frames");
    EXPECT(results == total / 3000);
    EXPECT(endless.first_needed_start() == kNoTime); // the last part just left
}

// ---- collector: flush and stream reset ---------------------------------------------------------

TEST(collector_flush_drops_what_was_collected) {
    SegmentCollector c(frame_settings());
    c.start_segment(labels("a"));
    feed(c, 0, 50);
    c.flush();
    EXPECT(c.frames() == 0 && c.frames_held() == 0);
    EXPECT(!c.end_segment("a"));        // a segment never spans a flush
    EXPECT(c.upstream_segments_seen()); // still no fallback windows in this stream
    feed(c, 0, 500);
    c.finish();
    EXPECT(take(c).empty());
    // windows begun before a flush are dropped too and give their ids back
    SegmentCollector w(frame_settings(1.0, 1.0));
    feed(w, 0, 150);
    EXPECT_MSG(ids(take(w)) == "w0", "before the flush");
    w.flush();
    feed(w, 0, 100);
    auto after = take(w);
    EXPECT_MSG(ids(after) == "w1" && spans(after) == "0+100", ids(after));
}

// ---- collector: whole (mu-law) segments --------------------------------------------------------

namespace {

CollectorSettings whole_settings(double max_duration = 30.0) {
    CollectorSettings s;
    s.items = ItemKind::WholeSegment;
    s.item_size = 3;
    s.max_duration = max_duration;
    return s;
}

// Buffer k: `count` whole segments, at k seconds, lasting 1 s; values {k, i, 0}.
void feed_whole(SegmentCollector& c, int k, int count = 1) {
    std::vector<float> values;
    for (int i = 0; i < count; ++i) values.insert(values.end(), {float(k), float(i), 0.0f});
    c.add(values.data(), static_cast<size_t>(count), k * kSecond, kSecond);
}

} // namespace

TEST(collector_whole_segments_alone_and_per_utterance) {
    SegmentCollector c(whole_settings());
    feed_whole(c, 0, 2); // outside any utterance: each alone, with its buffer's times
    c.start_segment(labels("u1", "angry"));
    feed_whole(c, 1);
    feed_whole(c, 2, 2);
    c.end_segment("u1");
    feed_whole(c, 4);
    std::vector<Part> parts;
    Part p;
    while (c.next_part(&p)) parts.push_back(p);
    EXPECT(parts.size() == 4);
    if (parts.size() != 4) return;
    EXPECT(parts[0].id == "s0" && parts[1].id == "s1" && parts[2].id == "u1" && parts[3].id == "s2");
    EXPECT(parts[0].start == 0 && parts[0].end == kSecond && parts[1].start == 0);
    EXPECT(parts[0].items.size() == 1 && parts[1].items[0][1] == 1.0f);
    EXPECT(parts[2].items.size() == 3 && parts[2].start == kSecond && parts[2].end == 3 * kSecond);
    EXPECT(parts[2].items[0][0] == 1.0f && parts[2].items[2][1] == 1.0f);
    EXPECT(parts[2].segment.true_emotion == "angry" && parts[2].frame_count == 0 && !parts[2].frames);

    // mode=train: nothing stands alone
    CollectorSettings s = whole_settings();
    s.cover_unsegmented = false;
    SegmentCollector train(s);
    feed_whole(train, 0);
    EXPECT(!train.next_part(&p));
}

TEST(collector_whole_segments_split_by_time) {
    SegmentCollector c(whole_settings(2.5));
    c.start_segment(labels("u"));
    for (int k = 0; k < 6; ++k) feed_whole(c, k);
    c.end_segment("u");
    std::vector<Part> parts;
    Part p;
    while (c.next_part(&p)) parts.push_back(p);
    // part 0 ends when the span passes 2.5 s: [0, 3); then [3, 6) and the empty rest at the end
    EXPECT(parts.size() == 3);
    if (parts.size() != 3) return;
    EXPECT(parts[0].id == "u.0" && parts[0].items.size() == 3 && parts[0].end == 3 * kSecond);
    EXPECT(parts[1].id == "u.1" && parts[1].items.size() == 3 && parts[1].start == 3 * kSecond);
    EXPECT(parts[2].id == "u.2" && parts[2].items.empty());
}

TEST(collector_whole_segments_without_times_are_never_split) {
    SegmentCollector c(whole_settings(1.0));
    c.start_segment(labels("u"));
    std::vector<float> item = {1, 2, 3};
    for (int k = 0; k < 10; ++k) c.add(item.data(), 1, kNoTime, kNoTime);
    c.finish();
    Part p;
    EXPECT(c.next_part(&p) && p.id == "u" && p.items.size() == 10 && p.start == kNoTime);
    EXPECT(!c.next_part(&p));
}

TEST(collector_interim_parts_of_whole_segments) {
    CollectorSettings s = whole_settings();
    s.interim = 2.0;
    SegmentCollector c(s);
    c.start_segment(labels("u"));
    for (int k = 0; k < 5; ++k) feed_whole(c, k);
    c.end_segment("u");
    std::vector<Part> parts;
    Part p;
    while (c.next_part(&p)) parts.push_back(p);
    // items end at 1, 2, ... s: interim parts once 2 s have passed, at 2 and 4 s
    EXPECT(parts.size() == 3);
    if (parts.size() != 3) return;
    EXPECT(parts[0].interim && parts[0].id == "u" && parts[0].items.size() == 2 &&
           parts[0].end == 2 * kSecond);
    EXPECT(parts[1].interim && parts[1].items.size() == 4 && parts[1].start == 0);
    EXPECT(!parts[2].interim && parts[2].items.size() == 5 && parts[2].end == 5 * kSecond);
}

// ---- speech segments and upstream segments -----------------------------------------------------

TEST(speech_segments_mark_each_decided_frame) {
    SpeechSegments vad;
    std::vector<SegmentMark> marks;
    const double quiet = 1e-6, loud = 1e-2; // -60 and -20 dB
    auto run = [&](int frames, double energy) {
        for (int i = 0; i < frames; ++i) vad.push(energy, marks);
    };
    run(100, quiet);
    run(100, loud);
    run(100, quiet);
    run(50, loud);
    SegmentMark end;
    vad.close(marks, &end);
    EXPECT(marks.size() == 350); // one per frame, in order
    std::string seen;
    for (const auto& m : marks)
        if (m.kind != SegmentMark::Kind::None)
            seen += std::string(m.kind == SegmentMark::Kind::Start ? "+" : "-") + m.id + " ";
    EXPECT_MSG(seen == "+vad0 -vad0 +vad1 ", seen);
    EXPECT(end.kind == SegmentMark::Kind::End && end.id == "vad1" && !vad.open());
    // ids go on until start()
    marks.clear();
    run(50, quiet);
    run(50, loud);
    vad.close(marks, &end);
    EXPECT(end.id == "vad2");
    vad.start();
    marks.clear();
    run(50, quiet);
    run(50, loud);
    vad.close(marks, &end);
    EXPECT(end.id == "vad0");
}

TEST(upstream_segments_end_at_discontinuities) {
    UpstreamSegments up;
    EXPECT(!up.seen() && !up.open());
    EXPECT(up.on_start("a") && up.on_start("b"));
    EXPECT(up.seen() && up.open());
    EXPECT(up.on_end("a"));
    std::vector<std::string> ended;
    up.close(ended);
    EXPECT(ended == std::vector<std::string>{"b"});
    EXPECT(!up.open());
    EXPECT(!up.on_end("b")); // ended already: dropped, once
    EXPECT(up.on_end("b"));
    EXPECT(up.on_start("c"));
    ended.clear();
    up.close(ended);
    EXPECT(up.on_start("c")); // a reused id starts afresh: its end is forwarded
    EXPECT(up.on_end("c"));
    up.flush();
    EXPECT(up.seen() && !up.open());
    up.reset();
    EXPECT(!up.seen());
    // bounded: 100 segments never ended, then a discontinuity ends the newest 64
    for (int i = 0; i < 100; ++i) up.on_start("x" + std::to_string(i));
    ended.clear();
    up.close(ended);
    EXPECT(ended.size() == 64 && ended.front() == "x36");
}

TEST_MAIN()
