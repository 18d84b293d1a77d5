/* Element registration declarations of the plugin (one per element). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
/* ELEMENT DECLARATIONS (GST_ELEMENT_REGISTER_DECLARE, keep sorted) */
G_END_DECLS
