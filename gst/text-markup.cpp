/* plain_text: see the header. */
#include "text-markup.h"

#include <glib.h>

namespace emotion::gst {

namespace {

void append_text(GMarkupParseContext*, const gchar* text, gsize length, gpointer user_data, GError**) {
    static_cast<std::string*>(user_data)->append(text, length);
}

/* Tags become spaces so that "a<br/>b" stays two words. */
void start_element(GMarkupParseContext*, const gchar*, const gchar**, const gchar**, gpointer user_data,
                   GError**) {
    static_cast<std::string*>(user_data)->push_back(' ');
}

bool strip_with_gmarkup(const std::string& markup, std::string* out) {
    GMarkupParser parser = {start_element, NULL, append_text, NULL, NULL};
    /* A root element, as pango wraps its input, so that bare text parses. */
    std::string wrapped = "<markup>" + markup + "</markup>";
    GMarkupParseContext* context = g_markup_parse_context_new(&parser, (GMarkupParseFlags)0, out, NULL);
    bool ok = g_markup_parse_context_parse(context, wrapped.data(), wrapped.size(), NULL) &&
              g_markup_parse_context_end_parse(context, NULL);
    g_markup_parse_context_free(context);
    return ok;
}

std::string strip_tags_leniently(const std::string& markup) {
    std::string out;
    bool in_tag = false;
    for (char c : markup) {
        if (c == '<')
            in_tag = true;
        else if (c == '>' && in_tag)
            in_tag = false, out.push_back(' ');
        else if (!in_tag)
            out.push_back(c);
    }
    return out;
}

} // namespace

PlainText plain_text(const char* data, size_t size, bool markup) {
    PlainText result;
    if (size > kMaxTextLineBytes) {
        size = kMaxTextLineBytes;
        result.truncated = true;
    }
    std::string text(data, size);
    /* A cut inside a multi-byte character only drops that character. */
    const gchar* end = NULL;
    if (!g_utf8_validate_len(text.data(), text.size(), &end)) {
        const bool only_cut_tail =
            result.truncated && text.size() - (end - text.data()) < 4 &&
            g_utf8_get_char_validated(end, text.size() - (end - text.data())) == (gunichar)-2;
        if (only_cut_tail) {
            text.resize(end - text.data());
        } else {
            gchar* valid = g_utf8_make_valid(text.data(), text.size());
            text = valid;
            g_free(valid);
            result.repaired = true;
        }
    }
    if (markup) {
        std::string stripped;
        result.text = strip_with_gmarkup(text, &stripped) ? stripped : strip_tags_leniently(text);
    } else {
        result.text = std::move(text);
    }
    return result;
}

} // namespace emotion::gst
