// FFTW single-precision plans, created once per RealFft under a process-wide planner lock.
#include "dsp/fft.h"

#include <fftw3.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace emotion::dsp {

namespace {

// FFTW's planner (and plan destruction) share global state; execution is thread-safe.
std::mutex& planner_mutex() {
    static std::mutex mutex;
    return mutex;
}

// A plan made on SIMD-aligned scratch arrays may only run on arrays with the same alignment
// (fftwf_alignment_of == 0); any other buffer goes to the FFTW_UNALIGNED plan.
bool is_simd_aligned(const void* p) {
    return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p))) == 0;
}

} // namespace

struct RealFft::Plans {
    fftwf_plan forward_aligned = nullptr;
    fftwf_plan inverse_aligned = nullptr;
    fftwf_plan forward_unaligned = nullptr;
    fftwf_plan inverse_unaligned = nullptr;
};

RealFft::RealFft(int n) : n_(n), plans_(std::make_unique<Plans>()) {
    if (n < 2) throw std::invalid_argument("RealFft: size must be >= 2, got " + std::to_string(n));
    const int bins = n / 2 + 1;
    std::lock_guard<std::mutex> lock(planner_mutex());
    // FFTW_ESTIMATE: planning takes microseconds instead of ~0.5 s per size (FFTW_MEASURE), and
    // the plan, hence every output bit, is the same in every run. It never touches the scratch
    // arrays, which exist only to give the planner an alignment.
    float* real = fftwf_alloc_real(static_cast<size_t>(n) + 1);
    fftwf_complex* spectrum = fftwf_alloc_complex(static_cast<size_t>(bins) + 1);
    // r2c keeps its input by default; c2r may overwrite it, which inverse() allows for.
    const unsigned flags = FFTW_ESTIMATE;
    plans_->forward_aligned = fftwf_plan_dft_r2c_1d(n, real, spectrum, flags);
    plans_->inverse_aligned = fftwf_plan_dft_c2r_1d(n, spectrum, real, flags);
    plans_->forward_unaligned = fftwf_plan_dft_r2c_1d(n, real, spectrum, flags | FFTW_UNALIGNED);
    plans_->inverse_unaligned = fftwf_plan_dft_c2r_1d(n, spectrum, real, flags | FFTW_UNALIGNED);
    fftwf_free(spectrum);
    fftwf_free(real);
    if (!plans_->forward_aligned || !plans_->inverse_aligned || !plans_->forward_unaligned ||
        !plans_->inverse_unaligned) {
        destroy_plans();
        throw std::runtime_error("RealFft: FFTW could not plan size " + std::to_string(n));
    }
}

// Caller holds the planner mutex. fftwf_destroy_plan ignores null plans.
void RealFft::destroy_plans() {
    fftwf_destroy_plan(plans_->forward_aligned);
    fftwf_destroy_plan(plans_->inverse_aligned);
    fftwf_destroy_plan(plans_->forward_unaligned);
    fftwf_destroy_plan(plans_->inverse_unaligned);
    *plans_ = Plans{};
}

RealFft::~RealFft() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    destroy_plans();
}

void RealFft::forward(const float* in, std::complex<float>* out) {
    // Out-of-place r2c plans preserve their input (FFTW default), so the cast is safe.
    float* input = const_cast<float*>(in);
    auto* output = reinterpret_cast<fftwf_complex*>(out);
    const bool aligned = is_simd_aligned(in) && is_simd_aligned(out);
    fftwf_execute_dft_r2c(aligned ? plans_->forward_aligned : plans_->forward_unaligned, input, output);
}

void RealFft::inverse(const std::complex<float>* in, float* out) {
    // c2r overwrites its input, so work on a copy that this thread owns.
    const int bins = n_ / 2 + 1;
    thread_local std::vector<std::complex<float>> scratch;
    if (scratch.size() < static_cast<size_t>(bins) + 2) scratch.resize(static_cast<size_t>(bins) + 2);
    std::complex<float>* copy = scratch.data();
    for (int k = 0; k < bins; ++k) copy[k] = in[k];
    auto* input = reinterpret_cast<fftwf_complex*>(copy);
    const bool aligned = is_simd_aligned(copy) && is_simd_aligned(out);
    fftwf_execute_dft_c2r(aligned ? plans_->inverse_aligned : plans_->inverse_unaligned, input, out);
}

void RealFft::inverse_destroying_input(std::complex<float>* in, float* out) {
    auto* input = reinterpret_cast<fftwf_complex*>(in);
    const bool aligned = is_simd_aligned(in) && is_simd_aligned(out);
    fftwf_execute_dft_c2r(aligned ? plans_->inverse_aligned : plans_->inverse_unaligned, input, out);
}

} // namespace emotion::dsp
