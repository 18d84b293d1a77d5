/* Properties from a GstStructure string: see the header. */
#include "structure-properties.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace emotion::gst {

namespace {

struct ValueUnset {
    void operator()(GValue* v) const {
        g_value_unset(v);
        delete v;
    }
};
using ValuePtr = std::unique_ptr<GValue, ValueUnset>;

ValuePtr new_value(GType type) {
    ValuePtr value(new GValue(G_VALUE_INIT));
    g_value_init(value.get(), type);
    return value;
}

bool is_integer(GType type) {
    return type == G_TYPE_INT || type == G_TYPE_UINT || type == G_TYPE_INT64 || type == G_TYPE_UINT64 ||
           type == G_TYPE_LONG || type == G_TYPE_ULONG;
}

bool is_unsigned(GType type) { return type == G_TYPE_UINT || type == G_TYPE_UINT64 || type == G_TYPE_ULONG; }

bool is_floating(GType type) { return type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT; }

/* A field's value for the messages: `"fast" (a string)`. */
std::string described(const GValue* value) {
    gchar* text = gst_value_serialize(value);
    std::string out = text ? text : "?";
    g_free(text);
    const GType type = G_VALUE_TYPE(value);
    const char* kind = type == G_TYPE_STRING    ? "a string"
                       : is_integer(type)       ? "an integer"
                       : is_floating(type)      ? "a number"
                       : type == G_TYPE_BOOLEAN ? "a boolean"
                                                : g_type_name(type);
    return out + " (" + kind + ")";
}

/* "an integer from -1 to 10000": a numeric spec's range. */
template <typename Spec> void write_range(std::ostream& out, const char* kind, const Spec* spec) {
    out << kind << " from " << spec->minimum << " to " << spec->maximum;
}

/* What `pspec` takes, for the messages: "a number from 0 to 10", "one of default, adam, sgd". */
std::string accepted(GParamSpec* pspec) {
    std::ostringstream out;
    if (G_IS_PARAM_SPEC_INT(pspec))
        write_range(out, "an integer", G_PARAM_SPEC_INT(pspec));
    else if (G_IS_PARAM_SPEC_UINT(pspec))
        write_range(out, "an integer", G_PARAM_SPEC_UINT(pspec));
    else if (G_IS_PARAM_SPEC_INT64(pspec))
        write_range(out, "an integer", G_PARAM_SPEC_INT64(pspec));
    else if (G_IS_PARAM_SPEC_UINT64(pspec))
        write_range(out, "an integer", G_PARAM_SPEC_UINT64(pspec));
    else if (G_IS_PARAM_SPEC_DOUBLE(pspec))
        write_range(out, "a number", G_PARAM_SPEC_DOUBLE(pspec));
    else if (G_IS_PARAM_SPEC_FLOAT(pspec))
        write_range(out, "a number", G_PARAM_SPEC_FLOAT(pspec));
    else if (G_IS_PARAM_SPEC_ENUM(pspec)) {
        GEnumClass* values = G_PARAM_SPEC_ENUM(pspec)->enum_class;
        out << "one of ";
        for (guint i = 0; i < values->n_values; ++i) out << (i ? ", " : "") << values->values[i].value_nick;
    } else if (G_IS_PARAM_SPEC_BOOLEAN(pspec))
        out << "true or false";
    else if (G_IS_PARAM_SPEC_STRING(pspec))
        out << "a string";
    else
        out << "a " << g_type_name(pspec->value_type);
    return out.str();
}

enum class Conversion { Done, WrongType, Unreadable, OutOfRange };

/* `field` as a value of `pspec`'s type in `out`: the same type, an integer for a wider integer or
 * a floating-point property, a string read as the property's type (an enum by nick or name). */
Conversion convert(const GValue* field, GParamSpec* pspec, GValue* out) {
    const GType from = G_VALUE_TYPE(field), to = pspec->value_type;
    if (from == to) {
        g_value_copy(field, out);
    } else if (from == G_TYPE_STRING && to != G_TYPE_STRING) {
        const gchar* text = g_value_get_string(field);
        if (!text || !gst_value_deserialize(out, text)) return Conversion::Unreadable;
    } else if (is_integer(from) && (is_integer(to) || is_floating(to))) {
        GValue wide = G_VALUE_INIT;
        g_value_init(&wide, G_TYPE_INT64);
        const bool negative = g_value_transform(field, &wide) && g_value_get_int64(&wide) < 0;
        g_value_unset(&wide);
        if (negative && is_unsigned(to)) return Conversion::OutOfRange;
        if (!g_value_transform(field, out)) return Conversion::WrongType;
    } else if (from == G_TYPE_DOUBLE && is_floating(to)) {
        g_value_transform(field, out);
    } else {
        return Conversion::WrongType;
    }
    /* g_param_value_validate clamps a value out of range and says so */
    return g_param_value_validate(pspec, out) ? Conversion::OutOfRange : Conversion::Done;
}

/* The property `name` of `element` that a field may set; throws when there is none. */
GParamSpec* settable_property(GstElement* element, const std::string& name, const std::string& factory,
                              const PropertyStructureSource& source) {
    const std::string where = source.property + ": ";
    if (std::find(source.reserved.begin(), source.reserved.end(), name) != source.reserved.end())
        throw std::runtime_error(where + "'" + name + "' is set by " + source.owner + " itself: use " +
                                 source.owner + "'s own '" + name + "' property");
    GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name.c_str());
    if (!pspec)
        throw std::runtime_error(where + factory + " has no property '" + name + "' (gst-inspect-1.0 " +
                                 factory + " lists them)");
    if (pspec->owner_type == GST_TYPE_OBJECT || !(pspec->flags & G_PARAM_WRITABLE) ||
        (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        throw std::runtime_error(where + "'" + name + "' of " + factory + " cannot be set here");
    return pspec;
}

} // namespace

StructurePtr parse_property_structure(const std::string& text, const PropertyStructureSource& source) {
    if (text.find_first_not_of(" \t") == std::string::npos)
        return StructurePtr(gst_structure_new_empty("props"));
    /* the structure's name may be left out: "patience=5" reads as "props,patience=5" */
    const bool nameless = text.substr(0, text.find(',')).find('=') != std::string::npos;
    GstStructure* fields = gst_structure_from_string((nameless ? "props," + text : text).c_str(), NULL);
    if (!fields)
        throw std::runtime_error(source.property + " \"" + text +
                                 "\" is not a GstStructure: name=value fields separated by commas, e.g. "
                                 "\"props,learning-rate=0.001,patience=5\" (quote strings that hold commas)");
    return StructurePtr(fields);
}

void set_structure_properties(GstElement* element, const GstStructure* fields,
                              const PropertyStructureSource& source) {
    GstElementFactory* factory_of = gst_element_get_factory(element);
    const std::string factory = factory_of ? GST_OBJECT_NAME(factory_of) : G_OBJECT_TYPE_NAME(element);
    std::vector<std::pair<GParamSpec*, ValuePtr>> values;
    for (int i = 0; i < gst_structure_n_fields(fields); ++i) {
        const std::string name = gst_structure_nth_field_name(fields, i);
        const GValue* field = gst_structure_get_value(fields, name.c_str());
        GParamSpec* pspec = settable_property(element, name, factory, source);
        ValuePtr value = new_value(pspec->value_type);
        const Conversion conversion = convert(field, pspec, value.get());
        if (conversion != Conversion::Done)
            throw std::runtime_error(source.property + ": '" + name + "' = " + described(field) +
                                     (conversion == Conversion::WrongType    ? " has the wrong type"
                                      : conversion == Conversion::Unreadable ? " is not a value it takes"
                                                                             : " is out of range") +
                                     ": " + factory + "'s '" + name + "' takes " + accepted(pspec));
        values.emplace_back(pspec, std::move(value));
    }
    for (const auto& [pspec, value] : values)
        g_object_set_property(G_OBJECT(element), pspec->name, value.get());
}

} // namespace emotion::gst
