// RBJ audio-EQ-cookbook sections; a Butterworth of order 4 is two of them with Q = 1/(2 cos(pi/8))
// and 1/(2 cos(3 pi/8)).
#include "dsp/biquad.h"

#include <cmath>

namespace emotion::dsp {

namespace {

constexpr double kPi = 3.141592653589793;
constexpr double kButterworthQ[2] = {0.5411961001461971, 1.3065629648763766};

struct Biquad {
    double b0, b1, b2, a1, a2; // normalised by a0

    // Transposed direct form II, state in double.
    void run(float* x, size_t count) const {
        double s1 = 0.0, s2 = 0.0;
        for (size_t i = 0; i < count; ++i) {
            const double in = x[i];
            const double out = b0 * in + s1;
            s1 = b1 * in - a1 * out + s2;
            s2 = b2 * in - a2 * out;
            x[i] = static_cast<float>(out);
        }
    }
};

Biquad section(bool highpass, double cutoff, int rate, double q) {
    const double w0 = 2.0 * kPi * cutoff / rate;
    const double alpha = std::sin(w0) / (2.0 * q), c = std::cos(w0);
    const double a0 = 1.0 + alpha;
    const double b1 = highpass ? -(1.0 + c) : 1.0 - c;
    const double b0 = highpass ? (1.0 + c) / 2.0 : (1.0 - c) / 2.0;
    return {b0 / a0, b1 / a0, b0 / a0, -2.0 * c / a0, (1.0 - alpha) / a0};
}

void butterworth(bool highpass, float* x, size_t count, double cutoff, int rate) {
    for (double q : kButterworthQ) section(highpass, cutoff, rate, q).run(x, count);
}

} // namespace

void butterworth_lowpass(float* x, size_t count, double cutoff, int rate) {
    butterworth(false, x, count, cutoff, rate);
}

void butterworth_highpass(float* x, size_t count, double cutoff, int rate) {
    butterworth(true, x, count, cutoff, rate);
}

} // namespace emotion::dsp
