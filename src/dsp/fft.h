// FFTW3 (single precision) plans made once and reused. FFTW's planner is not thread-safe, so
// every plan creation and destruction goes through one process-wide mutex; executing a plan
// (fftwf_execute_dft_r2c with new arrays) is thread-safe.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>

namespace emotion::dsp {

// Real-to-complex forward transform of length n: n/2 + 1 complex outputs.
class RealFft {
public:
    explicit RealFft(int n);
    ~RealFft();
    RealFft(const RealFft&) = delete;
    RealFft& operator=(const RealFft&) = delete;

    int size() const { return n_; }
    // in: n floats (16-byte aligned buffers are fastest; any buffer works), out: n/2+1 values.
    void forward(const float* in, std::complex<float>* out);
    // Inverse of forward (unnormalised, like FFTW): in n/2+1 values, out n floats.
    void inverse(const std::complex<float>* in, float* out);
    // The same, without copying `in` first: its contents are destroyed (FFTW's c2r default).
    void inverse_destroying_input(std::complex<float>* in, float* out);

private:
    void destroy_plans();

    int n_;
    struct Plans;
    std::unique_ptr<Plans> plans_;
};

} // namespace emotion::dsp
