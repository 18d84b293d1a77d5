// The drawing surface of the tools' PNG pictures (cairo): white, a title centred at the top.
#pragma once

#include <string>

#include <cairo.h>

namespace emotion::tools {

// Draws `s` with its baseline at y, starting at x or centred on it.
void text(cairo_t* cr, double x, double y, const std::string& s, double size, bool centred = false);

// A white image with a black title centred at its top, drawn on through cr().
class Canvas {
public:
    Canvas(int width, int height, const std::string& title, double title_size);
    ~Canvas();
    Canvas(const Canvas&) = delete;
    Canvas& operator=(const Canvas&) = delete;

    cairo_t* cr() const { return cr_; }
    void write_png(const std::string& path) const; // throws std::runtime_error

private:
    cairo_surface_t* surface_;
    cairo_t* cr_;
};

} // namespace emotion::tools
