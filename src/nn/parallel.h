// Loops of our own (element-wise passes, rows, bias-like column sums) split among the OpenMP
// threads when they are large enough; oneDNN's primitives thread themselves, but a loop left on
// one thread kept a second thread idle through a third of M4's training step. Every element, row
// or column is computed as on one thread, so every thread count gives the same values.
#pragma once

#include <cstdint>

#include <omp.h>

namespace emotion::nn {

// Below this many floats touched a loop stays on one thread: starting a parallel region costs
// microseconds (a futex wake-up with OMP_WAIT_POLICY=passive), about a pass over 32K floats.
constexpr int64_t kParallelMinWork = int64_t{1} << 15;

// f(begin, end) over [0, n): one call, or with several threads and `work` (floats touched) of at
// least kParallelMinWork one contiguous range per thread. Inside a parallel region (the
// attention's blocks, the recurrent directions) it is one call. f must not throw.
template <class F> void parallel_ranges(int64_t n, int64_t work, const F& f) {
    if (n < 2 || work < kParallelMinWork || omp_in_parallel() || omp_get_max_threads() < 2) {
        f(int64_t{0}, n);
        return;
    }
#pragma omp parallel
    {
        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
        const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
        if (begin < end) f(begin, end);
    }
}

// sums[c] += src[r * ld + c] over r < rows, c < cols, the rows in order for every column (the
// columns split among the threads): bias gradients.
void accumulate_column_sums(const float* src, int64_t rows, int64_t cols, int64_t ld, float* sums);

} // namespace emotion::nn
