#include "dataset-events.h"

#include <gst/emotion/emotion.h>

namespace emotion::gst {

namespace {

void set_list_field(GstStructure* s, const gchar* name, const std::vector<std::string>& values) {
    std::string joined;
    for (const auto& v : values) joined += (joined.empty() ? "" : ",") + v;
    gst_structure_set(s, name, G_TYPE_STRING, joined.c_str(), NULL);
}

std::vector<std::string> list_field(const GstStructure* fields, const char* name) {
    const gchar* value = gst_structure_get_string(fields, name);
    return value ? train::split_list(value) : std::vector<std::string>();
}

std::string string_field(const GstStructure* fields, const char* name) {
    const gchar* value = gst_structure_get_string(fields, name);
    return value ? value : "";
}

int count_field(const GstStructure* fields, const char* name) {
    guint count = 0;
    return gst_structure_get_uint(fields, name, &count) ? (int)count : 0;
}

} // namespace

GstEvent* epoch_start_event(guint epoch, const train::DatasetDescription& dataset) {
    GstEvent* event = gst_emotion_event_new_epoch_start(epoch, (guint)dataset.epochs);
    GstStructure* fields = gst_event_writable_structure(event);
    set_list_field(fields, "labels", dataset.labels);
    set_list_field(fields, "speakers", dataset.speakers);
    set_list_field(fields, "genders", dataset.genders);
    gst_structure_set(fields, "dataset", G_TYPE_STRING, dataset.dataset.c_str(), "protocol", G_TYPE_STRING,
                      dataset.protocol.c_str(), "train", G_TYPE_UINT, (guint)dataset.train_utterances,
                      "valid", G_TYPE_UINT, (guint)dataset.valid_utterances, NULL);
    return event;
}

train::DatasetDescription dataset_description(GstEvent* epoch_start, guint* epoch) {
    guint epochs = 0;
    gst_emotion_event_parse_epoch(epoch_start, epoch, &epochs);
    const GstStructure* fields = gst_event_get_structure(epoch_start);
    train::DatasetDescription d;
    d.epochs = (int)epochs;
    d.labels = list_field(fields, "labels");
    d.speakers = list_field(fields, "speakers");
    d.genders = list_field(fields, "genders");
    d.dataset = string_field(fields, "dataset");
    d.protocol = string_field(fields, "protocol");
    d.train_utterances = count_field(fields, "train");
    d.valid_utterances = count_field(fields, "valid");
    return d;
}

void set_run_seed(GstEvent* epoch_start, guint64 seed) {
    gst_structure_set(gst_event_writable_structure(epoch_start), "seed", G_TYPE_UINT64, seed, NULL);
}

bool run_seed(GstEvent* epoch_start, guint64* seed) {
    return gst_structure_get_uint64(gst_event_get_structure(epoch_start), "seed", seed);
}

} // namespace emotion::gst
