// The CSS and JavaScript inlined into the report's pages (site-assets.cpp), kept apart from the
// C++ that writes the HTML around them.
#pragma once

namespace emotion::tools {

extern const char* const kReportStyle;     // both pages
extern const char* const kIndexScript;     // index.html: filters
extern const char* const kRecordingScript; // recording pages: timeline, player, table; reads REPORT

} // namespace emotion::tools
