/* Properties of an inner element given as one GstStructure string, the way a bin hands settings
 * it does not have itself to an element it builds ("props,learning-rate=0.001,patience=5", or
 * without the name: "learning-rate=0.001,patience=5"). Every field is checked against the
 * element's GParamSpec of that name (known, writable, not one the bin sets itself, type, range)
 * before any is set, so a typo is a clear error at start instead of a silently ignored setting.
 * Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

namespace emotion::gst {

struct StructureFree {
    void operator()(GstStructure* s) const { gst_structure_free(s); }
};
using StructurePtr = std::unique_ptr<GstStructure, StructureFree>;

/* Who gives the properties: the bin's property that holds the structure (for the messages), the
 * bin's name and the fields it sets itself. */
struct PropertyStructureSource {
    std::string property; /* "classifier-properties" */
    std::string owner;    /* "emotiondetect" */
    std::vector<std::string> reserved;
};

/* The structure `text`; empty (no fields) when `text` is. Throws std::runtime_error when it does
 * not parse. */
StructurePtr parse_property_structure(const std::string& text, const PropertyStructureSource& source);

/* Sets every field of `fields` as the property of that name on `element`, after checking them all.
 * Throws std::runtime_error naming the field, the element and what it takes when a field is not
 * a writable property of the element, is reserved, has another type (integers are taken for
 * floating-point properties, strings for enums by nick) or is out of the property's range. */
void set_structure_properties(GstElement* element, const GstStructure* fields,
                              const PropertyStructureSource& source);

} // namespace emotion::gst
