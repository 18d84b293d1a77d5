// How much longer the tests' own waits and time limits are in this build. tests/meson.build sets
// EMOTION_TEST_TIME_SCALE in a sanitizer build (ASan + UBSan run the code several times slower);
// it is 1 elsewhere. Only limits on how long the machine takes are scaled, never a bound that is
// the behaviour under test.
#pragma once

#include <cstdlib>

namespace emotion::test {

inline double time_scale() {
    static const double scale = [] {
        const char* text = std::getenv("EMOTION_TEST_TIME_SCALE");
        const double value = text ? std::atof(text) : 1.0;
        return value > 1.0 ? value : 1.0;
    }();
    return scale;
}

} // namespace emotion::test
