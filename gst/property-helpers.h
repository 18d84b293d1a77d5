/* What the elements' GObject property code does alike, written once: string settings held as
 * std::string (a NULL string property reads and writes as the empty string), and the one-time,
 * thread-safe registration of an enum type. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <string>

namespace emotion::gst {

/* Sets a string setting from a property value (NULL: empty). */
inline void set_string_setting(std::string& setting, const GValue* value) {
    const gchar* s = g_value_get_string(value);
    setting = s ? s : "";
}

/* A string setting as a property value (empty: NULL). */
inline void get_string_setting(const std::string& setting, GValue* value) {
    g_value_set_string(value, setting.empty() ? NULL : setting.c_str());
}

/* The body of an enum's *_get_type(): registers `values` as `name` on the first call. */
inline GType register_enum_once(GType* type, const char* name, const GEnumValue* values) {
    if (g_once_init_enter(type)) g_once_init_leave(type, g_enum_register_static(name, values));
    return *type;
}

} // namespace emotion::gst
