/* Helpers shared by the element tests (the lldextract and mulawspec tests use them directly,
 * test_emotion_common.h builds on them): reference files, input buffers, an ordered record of
 * everything an element pushes (buffers and segment events), running pipelines and the check
 * suite. */
#pragma once

/* C++ headers first: gstcheck.h defines a `fail` macro that breaks std::basic_ios::fail() */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dsp/mulaw.h"
#include "io/wav.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/emotion/emotion-events.h>

#include "string_checks.h"
#include "test_time_scale.h"

#define AUDIO_CAPS "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved"

namespace extractor_test {

inline std::string shared_dir() {
    const char* dir = g_getenv("EMOTION_SHARED_DIR");
    return dir ? dir : "../shared";
}

inline std::string reference(const std::string& relative) { return shared_dir() + "/reference/" + relative; }

inline std::vector<float> load_wav(const std::string& relative) {
    emotion::io::WavAudio wav = emotion::io::read_wav(reference(relative));
    fail_unless_equals_int(wav.sample_rate, 16000);
    return wav.samples;
}

/* Rows of numbers of a CSV file. */
inline std::vector<std::vector<double>> read_csv(const std::string& path, bool header) {
    std::ifstream in(path);
    fail_unless(in.good(), "cannot read %s", path.c_str());
    std::vector<std::vector<double>> rows;
    std::string line;
    if (header) std::getline(in, line);
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream fields(line);
        std::string field;
        while (std::getline(fields, field, ',')) row.push_back(std::strtod(field.c_str(), nullptr));
        rows.push_back(std::move(row));
    }
    return rows;
}

inline GstBuffer* make_buffer(const float* samples, size_t count, GstClockTime pts,
                              GstBufferFlags flags = (GstBufferFlags)0) {
    GstBuffer* buffer = gst_buffer_new_allocate(NULL, count * sizeof(float), NULL);
    if (count) gst_buffer_fill(buffer, 0, samples, count * sizeof(float));
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale_int(count, GST_SECOND, 16000);
    GST_BUFFER_FLAG_SET(buffer, flags);
    return buffer;
}

inline GstClockTime sample_time(uint64_t samples) {
    return gst_util_uint64_scale_int_round(samples, GST_SECOND, 16000);
}

/* One segment event as seen downstream: `frames_before` output buffers preceded it. */
struct SegmentEvent {
    bool start;
    std::string id;
    size_t frames_before;
};

/* Everything the element pushed, in order. */
struct Capture {
    size_t values_per_buffer = 0;
    std::vector<float> values; /* all buffers, concatenated */
    std::vector<GstClockTime> pts, duration;
    std::vector<guint64> offset, offset_end;
    std::vector<bool> discont;
    std::vector<SegmentEvent> events;
    int eos = 0;

    size_t buffers() const { return pts.size(); }
    const float* buffer(size_t i) const { return values.data() + i * values_per_buffer; }

    void add(GstBuffer* buffer) {
        GstMapInfo map;
        fail_unless(gst_buffer_map(buffer, &map, GST_MAP_READ));
        fail_unless_equals_int((int)map.size, (int)(values_per_buffer * sizeof(float)));
        const float* v = reinterpret_cast<const float*>(map.data);
        values.insert(values.end(), v, v + values_per_buffer);
        gst_buffer_unmap(buffer, &map);
        pts.push_back(GST_BUFFER_PTS(buffer));
        duration.push_back(GST_BUFFER_DURATION(buffer));
        offset.push_back(GST_BUFFER_OFFSET(buffer));
        offset_end.push_back(GST_BUFFER_OFFSET_END(buffer));
        discont.push_back(GST_BUFFER_IS_DISCONT(buffer));
    }
};

inline GstPadProbeReturn capture_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    Capture* capture = static_cast<Capture*>(data);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        capture->add(GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
        for (guint i = 0; i < gst_buffer_list_length(list); i++) capture->add(gst_buffer_list_get(list, i));
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (gst_emotion_event_is_segment_start(event) || gst_emotion_event_is_segment_end(event))
            capture->events.push_back({(bool)gst_emotion_event_is_segment_start(event),
                                       gst_emotion_event_get_segment_id(event), capture->buffers()});
        else if (GST_EVENT_TYPE(event) == GST_EVENT_EOS)
            capture->eos++;
    }
    return GST_PAD_PROBE_OK;
}

/* Records what `element` pushes on its src pad into `capture`. */
inline void attach_capture(GstElement* element, Capture* capture) {
    GstPad* src = gst_element_get_static_pad(element, "src");
    gst_pad_add_probe(src,
                      (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      capture_probe, capture, NULL);
    gst_object_unref(src);
}

/* A harness around `description` (e.g. "lldextract segmentation=vad"), the element made by
 * `factory`, with F32 16 kHz caps, its output recorded into `capture` and, when `bus` is given,
 * a new bus for its messages. */
inline GstHarness* harness_new(const char* factory, const char* description, Capture* capture,
                               size_t values_per_buffer, GstBus** bus) {
    GstHarness* h = gst_harness_new_parse(description);
    capture->values_per_buffer = values_per_buffer;
    GstElement* element = gst_harness_find_element(h, factory);
    attach_capture(element, capture);
    gst_object_unref(element);
    if (bus) {
        *bus = gst_bus_new();
        gst_element_set_bus(h->element, *bus);
    }
    gst_harness_set_src_caps_str(h, AUDIO_CAPS);
    return h;
}

/* Pushes `samples` in pieces of the sizes `sizes` returns (cycled), with sample-counted PTS from
 * `base`; returns false on a flow error. */
template <typename Sizes>
inline bool push_samples(GstHarness* h, const std::vector<float>& samples, Sizes sizes, GstClockTime base = 0,
                         size_t first_sample = 0) {
    size_t done = 0;
    while (done < samples.size()) {
        size_t n = std::min(samples.size() - done, (size_t)sizes());
        GstFlowReturn ret = gst_harness_push(
            h, make_buffer(samples.data() + done, n, base + sample_time(first_sample + done)));
        if (ret != GST_FLOW_OK) return false;
        done += n;
    }
    return true;
}

inline int count_messages(GstBus* bus, GstMessageType type) {
    int count = 0;
    GstMessage* message;
    while ((message = gst_bus_pop_filtered(bus, type)) != NULL) {
        count++;
        gst_message_unref(message);
    }
    return count;
}

inline void harness_teardown(GstHarness* h, GstBus* bus) {
    if (bus) {
        gst_bus_set_flushing(bus, TRUE);
        gst_object_unref(bus);
    }
    gst_harness_teardown(h);
}

/* Runs a pipeline to EOS or error; returns the error message (empty on EOS). */
/* `t` of waiting on this machine: longer in a sanitizer build (test_time_scale.h). */
inline GstClockTime test_wait(GstClockTime t) { return (GstClockTime)(t * emotion::test::time_scale()); }

inline std::string run_pipeline(GstElement* pipeline, GstClockTime timeout = 60 * GST_SECOND) {
    GstBus* bus = gst_element_get_bus(pipeline);
    std::string error;
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstMessage* message = gst_bus_timed_pop_filtered(bus, test_wait(timeout),
                                                     (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    if (message == NULL) {
        error = "timeout";
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError* err = NULL;
        gchar* debug = NULL;
        gst_message_parse_error(message, &err, &debug);
        error = std::string(err->message) + " (" + (debug ? debug : "") + ")";
        g_clear_error(&err);
        g_free(debug);
    }
    if (message) gst_message_unref(message);
    gst_object_unref(bus);
    return error;
}

/* Plays `pipeline` from NULL `rounds` times and back to NULL (which must succeed): to the end in
 * even rounds (no error), interrupted mid-stream in odd ones (PLAYING, then `interrupt(round)`). */
inline void play_and_interrupt(GstElement* pipeline, int rounds, const std::function<void(int)>& interrupt) {
    for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
            fail_unless_equals_std_string(run_pipeline(pipeline), "");
        } else {
            fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
            interrupt(i);
        }
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
}

/* `rounds` times up to PAUSED (must not fail) and down to NULL (must succeed), without data. */
inline void pause_and_stop(GstElement* pipeline, int rounds) {
    for (int i = 0; i < rounds; i++) {
        fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
}

/* The one test case ("general") of an element test's suite, each test allowed `timeout` seconds
 * (0: check's default, CK_DEFAULT_TIMEOUT); the tests go in with tcase_add_test. */
inline TCase* general_case(Suite* suite, int timeout = 0) {
    TCase* tc = tcase_create("general");
    if (timeout > 0) tcase_set_timeout(tc, timeout);
    suite_add_tcase(suite, tc);
    return tc;
}

} // namespace extractor_test
