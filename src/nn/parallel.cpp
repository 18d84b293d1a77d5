#include "nn/parallel.h"

namespace emotion::nn {

void accumulate_column_sums(const float* src, int64_t rows, int64_t cols, int64_t ld, float* sums) {
    // Column ranges in whole cache lines (16 floats), so that no two threads write one line.
    constexpr int64_t kLine = 16;
    const int64_t lines = (cols + kLine - 1) / kLine;
    parallel_ranges(lines, rows * cols, [&](int64_t first, int64_t last) {
        const int64_t begin = first * kLine, end = last * kLine < cols ? last * kLine : cols;
        for (int64_t r = 0; r < rows; ++r) {
            const float* row = src + r * ld;
            for (int64_t c = begin; c < end; ++c) sums[c] += row[c];
        }
    });
}

} // namespace emotion::nn
