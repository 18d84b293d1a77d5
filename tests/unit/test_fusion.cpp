// ResultFusion: known answers for equal spans, partial overlaps, a missing span, weights, labels.
#include <string>
#include <vector>

#include "stream/result_fusion.h"
#include "test_main.h"

using namespace emotion::stream;

namespace {

const std::vector<std::string> kLabels = {"angry", "happy", "neutral", "sad"};

ResultSpan span(double start_s, double end_s, std::vector<float> posteriors) {
    return {seconds_to_time(start_s), seconds_to_time(end_s), std::move(posteriors)};
}

ResultFusion fusion_of(std::vector<double> weights) {
    ResultFusion f(std::move(weights));
    for (size_t i = 0; i < f.inputs(); ++i) f.set_labels(i, kLabels);
    return f;
}

void expect_posteriors(const FusedSpan& s, const std::vector<double>& expected) {
    EXPECT(s.posteriors.size() == expected.size());
    for (size_t k = 0; k < expected.size() && k < s.posteriors.size(); ++k)
        EXPECT_NEAR(s.posteriors[k], expected[k], 1e-6);
}

void end_all(ResultFusion& f) {
    for (size_t i = 0; i < f.inputs(); ++i) f.end_input(i);
}

} // namespace

TEST(equal_spans_weighted_mean) {
    ResultFusion f = fusion_of({1, 1, 2});
    f.add(0, span(0, 2, {0.4f, 0.2f, 0.2f, 0.2f}));
    f.add(1, span(0, 2, {0.0f, 1.0f, 0.0f, 0.0f}));
    f.add(2, span(0, 2, {0.1f, 0.1f, 0.7f, 0.1f}));
    end_all(f);
    auto out = f.take_ready();
    EXPECT(out.size() == 1);
    // (1 * p0 + 1 * p1 + 2 * p2) / 4
    expect_posteriors(out[0], {0.15, 0.35, 0.4, 0.1});
    EXPECT(out[0].inputs == 3);
    EXPECT(out[0].start == 0 && out[0].end == 2 * kSecond);
}

TEST(weights_are_normalised) {
    ResultFusion a = fusion_of({1, 3}), b = fusion_of({10, 30});
    for (ResultFusion* f : {&a, &b}) {
        f->add(0, span(0, 1, {1, 0, 0, 0}));
        f->add(1, span(0, 1, {0, 1, 0, 0}));
        end_all(*f);
    }
    auto x = a.take_ready(), y = b.take_ready();
    expect_posteriors(x[0], {0.25, 0.75, 0, 0});
    expect_posteriors(y[0], {0.25, 0.75, 0, 0});
}

TEST(partial_overlaps_weighted_by_duration) {
    ResultFusion f = fusion_of({1, 1});
    // reference [0, 3); input 1 covers it 1 s with [-1, 1) and 2 s with [1, 4)
    f.add(0, span(0, 3, {1, 0, 0, 0}));
    f.add(1, span(-1, 1, {0, 1, 0, 0}));
    f.add(1, span(1, 4, {0, 0, 1, 0}));
    f.add(1, span(4, 6, {0, 0, 0, 1})); // no overlap: ignored
    end_all(f);
    auto out = f.take_ready();
    EXPECT(out.size() == 1);
    expect_posteriors(out[0], {0.5, 0.5 / 3, 1.0 / 3, 0});
}

TEST(input_missing_a_span_drops_out) {
    ResultFusion f = fusion_of({1, 1, 2});
    f.add(0, span(0, 2, {1, 0, 0, 0}));
    f.add(0, span(2, 4, {0, 0, 0, 1}));
    f.add(1, span(0, 2, {0, 1, 0, 0}));
    f.add(2, span(2, 4, {0, 0, 1, 0})); // input 2 skipped [0, 2), input 1 [2, 4)
    end_all(f);
    auto out = f.take_ready();
    EXPECT(out.size() == 2);
    expect_posteriors(out[0], {0.5, 0.5, 0, 0});
    EXPECT(out[0].inputs == 2);
    expect_posteriors(out[1], {0, 0, 2.0 / 3, 1.0 / 3});
    EXPECT(out[1].sequence == 1);
}

TEST(reference_span_without_duration_takes_spans_holding_it) {
    ResultFusion f = fusion_of({1, 1});
    f.add(0, span(1, 1, {1, 0, 0, 0}));
    f.add(1, span(0, 1, {0, 0, 1, 0})); // ends where the instant is: does not hold it
    f.add(1, span(0.5, 2, {0, 1, 0, 0}));
    end_all(f);
    auto out = f.take_ready();
    EXPECT(out.size() == 1);
    expect_posteriors(out[0], {0.5, 0.5, 0, 0});
}

TEST(waits_for_every_input_until_deadline) {
    ResultFusion f = fusion_of({1, 1});
    EXPECT(f.add(0, span(0, 2, {1, 0, 0, 0})) == 0);
    EXPECT(f.add(0, span(2, 4, {1, 0, 0, 0})) == 1);
    f.add(1, span(0, 2, {0, 1, 0, 0}));
    EXPECT(f.take_ready().empty()); // input 1 may still send a span starting before 2 s
    f.add(1, span(2, 4, {0, 1, 0, 0}));
    auto out = f.take_ready();
    EXPECT(out.size() == 1 && out[0].sequence == 0);
    EXPECT(f.waiting() && f.first_pending_end() == 4 * kSecond);
    out = f.take_ready(seconds_to_time(4)); // live: the deadline has passed
    EXPECT(out.size() == 1);
    expect_posteriors(out[0], {0.5, 0.5, 0, 0});
    f.advance(1, seconds_to_time(10));
    f.add(0, span(4, 6, {1, 0, 0, 0}));
    out = f.take_ready(); // a gap on input 1: the reference alone
    EXPECT(out.size() == 1 && out[0].inputs == 1);
    expect_posteriors(out[0], {1, 0, 0, 0});
}

TEST(ended_input_no_longer_waited_for) {
    ResultFusion f = fusion_of({1, 1});
    f.add(0, span(0, 2, {1, 0, 0, 0}));
    EXPECT(f.take_ready().empty());
    f.end_input(1);
    EXPECT(f.take_ready().size() == 1);
}

TEST(labels_in_other_order_reordered) {
    ResultFusion f({1, 1});
    f.set_labels(1, {"sad", "neutral", "happy", "angry"}); // before the reference's: still fine
    f.set_labels(0, kLabels);
    f.add(0, span(0, 1, {0.6f, 0.2f, 0.2f, 0.0f}));
    f.add(1, span(0, 1, {0.0f, 0.2f, 0.2f, 0.6f})); // angry 0.6 in its own order
    end_all(f);
    auto out = f.take_ready();
    expect_posteriors(out[0], {0.6, 0.2, 0.2, 0.0});
    EXPECT(f.labels() == kLabels);
}

TEST(different_label_sets_refused_n) {
    ResultFusion f({1, 1});
    f.set_labels(0, kLabels);
    bool mismatch = false;
    try {
        f.set_labels(1, {"angry", "happy", "neutral", "fear"});
    } catch (const LabelMismatch& e) { mismatch = std::string(e.what()).find("fear") != std::string::npos; }
    EXPECT(mismatch);
    EXPECT_THROWS(f.set_labels(1, {"angry", "happy", "neutral"}));
}

TEST(bad_weights_refused_n) {
    EXPECT_THROWS(ResultFusion({1, 0}));
    EXPECT_THROWS(ResultFusion({1, -1}));
    EXPECT_THROWS(ResultFusion({}));
    EXPECT_THROWS(parse_fusion_weights("1,x"));
    EXPECT_THROWS(parse_fusion_weights(""));
    EXPECT_THROWS(parse_fusion_weights("1,,2"));
    EXPECT(parse_fusion_weights("1, 1 ,2.5") == std::vector<double>({1, 1, 2.5}));
}

TEST(flush_drops_spans_keeps_labels) {
    ResultFusion f = fusion_of({1, 1});
    f.add(0, span(0, 2, {1, 0, 0, 0}));
    f.add(1, span(0, 2, {0, 1, 0, 0}));
    f.flush();
    EXPECT(!f.waiting());
    f.add(0, span(5, 6, {1, 0, 0, 0}));
    f.add(1, span(5, 6, {0, 0, 0, 1}));
    end_all(f);
    auto out = f.take_ready();
    EXPECT(out.size() == 1);
    expect_posteriors(out[0], {0.5, 0, 0, 0.5});
}

TEST_MAIN()
