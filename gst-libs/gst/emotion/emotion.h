/* Public API of gst-emotion for applications: segment events and the result meta. */
#pragma once

#include <gst/emotion/emotion-events.h>
#include <gst/emotion/emotion-meta.h>
