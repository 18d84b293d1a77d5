/* The gst-emotion plugin: registers every element. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "elements.h"
#include "emotion-tags.h"

static gboolean plugin_init(GstPlugin* plugin) {
    gboolean ok = TRUE;
    emotion::gst::register_tags();
    /* ELEMENT REGISTRATIONS (one line per element, keep sorted) */
    ok &= GST_ELEMENT_REGISTER(alstmclassify, plugin);
    ok &= GST_ELEMENT_REGISTER(apcnnclassify, plugin);
    ok &= GST_ELEMENT_REGISTER(emoaugment, plugin);
    ok &= GST_ELEMENT_REGISTER(emodatasetsrc, plugin);
    ok &= GST_ELEMENT_REGISTER(emotiondetect, plugin);
    ok &= GST_ELEMENT_REGISTER(emotionfuse, plugin);
    ok &= GST_ELEMENT_REGISTER(emotionpublish, plugin);
    ok &= GST_ELEMENT_REGISTER(emotionsink, plugin);
    ok &= GST_ELEMENT_REGISTER(ksmmtransformer, plugin);
    ok &= GST_ELEMENT_REGISTER(lldextract, plugin);
    ok &= GST_ELEMENT_REGISTER(mulawspec, plugin);
    ok &= GST_ELEMENT_REGISTER(stlclassify, plugin);
    return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, emotion,
                  "Emotion recognition from speech: acoustic features, four published models on oneDNN, "
                  "multimodal text alignment, result writers and in-pipeline training",
                  plugin_init, PACKAGE_VERSION, "LGPL", "gst-emotion",
                  "gst-emotion (README.md in its source tree)")
