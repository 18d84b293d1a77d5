// Reads a PNG back with cairo for tests that check what a picture shows, pixel by pixel.
#pragma once

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include <cairo.h>

namespace emotion::test {

class PngPixels {
public:
    explicit PngPixels(const std::string& path)
        : surface_(cairo_image_surface_create_from_png(path.c_str())) {
        if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(surface_);
            throw std::runtime_error("cannot read PNG " + path);
        }
        cairo_surface_flush(surface_);
    }
    ~PngPixels() { cairo_surface_destroy(surface_); }
    PngPixels(const PngPixels&) = delete;
    PngPixels& operator=(const PngPixels&) = delete;

    int width() const { return cairo_image_surface_get_width(surface_); }
    int height() const { return cairo_image_surface_get_height(surface_); }
    // 0-255 red, green, blue at pixel (x, y) (rounded coordinates; RGB24 or opaque ARGB32)
    std::array<int, 3> rgb(double x, double y) const {
        const int px = int(std::lround(x)), py = int(std::lround(y));
        if (px < 0 || py < 0 || px >= width() || py >= height()) throw std::out_of_range("pixel outside");
        const unsigned char* row =
            cairo_image_surface_get_data(surface_) + py * cairo_image_surface_get_stride(surface_);
        const unsigned int v = reinterpret_cast<const unsigned int*>(row)[px];
        return {int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)};
    }

private:
    cairo_surface_t* surface_;
};

// `colour` (0-1) painted with opacity `alpha` over white, as 0-255 channels.
inline std::array<int, 3> over_white(const std::array<double, 3>& colour, double alpha) {
    std::array<int, 3> c;
    for (int k = 0; k < 3; ++k) c[k] = int(std::lround(255 * (1 - alpha + alpha * colour[k])));
    return c;
}

inline bool close_to(const std::array<int, 3>& a, const std::array<int, 3>& b, int tolerance) {
    for (int k = 0; k < 3; ++k)
        if (std::abs(a[k] - b[k]) > tolerance) return false;
    return true;
}

inline std::string to_string(const std::array<int, 3>& c) {
    return "(" + std::to_string(c[0]) + "," + std::to_string(c[1]) + "," + std::to_string(c[2]) + ")";
}

} // namespace emotion::test
