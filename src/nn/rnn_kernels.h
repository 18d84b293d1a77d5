// Internal helpers of the recurrent layers (lstm.cpp, alstm.cpp, attention_pool.cpp): a small LRU
// cache for shape-keyed oneDNN primitives, the directions run side by side, sgemm, and kernels
// written so that the compiler vectorises them (no libm calls in the loops: exp is a Cephes-style polynomial
// with an exact power-of-two scaling, max relative error ~2 ulp over the clamped range).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <exception>
#include <list>
#include <memory>
#include <new>
#include <utility>

#include <omp.h>

#include "nn/tensor.h"
#include "nn/vector_math.h" // exp_approx, EMOTION_VECTOR_CLONES

namespace emotion::nn::detail {

// Least-recently-used map with a fixed capacity: primitives keyed by shape (sequence lengths vary
// per utterance, so an unbounded map would grow with every new length).
template <class Key, class Value> class LruCache {
public:
    explicit LruCache(size_t capacity) : capacity_(capacity) {}

    // The cached value for `key`, or nullptr. A hit becomes the most recently used entry.
    Value* find(const Key& key) {
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (it->first == key) {
                entries_.splice(entries_.begin(), entries_, it);
                return &entries_.front().second;
            }
        }
        return nullptr;
    }
    // Inserts (evicting the least recently used entry when full) and returns the new value.
    Value& insert(const Key& key, Value value) {
        if (entries_.size() >= capacity_) entries_.pop_back();
        entries_.emplace_front(key, std::move(value));
        return entries_.front().second;
    }
    size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }

private:
    size_t capacity_;
    std::list<std::pair<Key, Value>> entries_;
};

// t.resize(shape), but when the storage must grow it is allocated for dimension `dim` rounded up
// to a multiple of `quantum`: batches whose length varies a little reuse one allocation instead
// of reallocating (and zero-filling) every time the length grows by a frame.
inline void resize_rounded(Tensor& t, const Shape& shape, int dim, int64_t quantum, bool zero = false) {
    Shape room = shape;
    room[dim] = (room[dim] + quantum - 1) / quantum * quantum;
    if (room != shape) t.resize(room);
    t.resize(shape, zero);
}

// Uninitialised, 64-byte aligned scratch memory for oneDNN workspaces and reordered weights
// (Tensor zero-fills on growth, which for a 200 MB LSTM training workspace costs more than the
// step itself). Grows with 1/4 headroom, never shrinks.
class RawBuffer {
public:
    float* ensure(size_t bytes) {
        if (bytes > capacity_) {
            const size_t want = (bytes + bytes / 4 + 63) / 64 * 64;
            void* p = std::aligned_alloc(64, want);
            if (!p) throw std::bad_alloc();
            data_.reset(static_cast<float*>(p));
            capacity_ = want;
        }
        return data_.get();
    }
    float* data() const { return data_.get(); }

private:
    struct Free {
        void operator()(float* p) const { std::free(p); }
    };
    std::unique_ptr<float, Free> data_;
    size_t capacity_ = 0;
};

// a . b in 16 float lanes, then the tail, then the lanes summed (the order every caller's
// results depend on).
float dot(const float* a, const float* b, int64_t n);
// out += a * x
void axpy(float* out, float a, const float* x, int64_t n);
// y [N] = x [K] A [K, N] (A row-major), four rows of A per pass over y: the per-step product of
// a recurrent layer at batch 1, where a oneDNN call per step costs more than its 64K multiply-adds.
void gemv(const float* x, const float* A, int K, int N, float* y);

// Row-major C = op(A) op(B) + beta C (op: 'N' as is, 'T' transposed) on oneDNN's sgemm, which runs
// single-threaded inside a parallel region; std::runtime_error on failure.
void gemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// f(0), ..., f(dirs - 1): the directions of a bidirectional layer are independent, so with two or
// more OpenMP threads the two run side by side, one thread each (oneDNN calls inside run
// single-threaded). An exception from either is rethrown after both finished.
template <class F> void for_each_direction(int dirs, const F& f) {
    if (dirs < 2 || omp_get_max_threads() < 2 || omp_in_parallel()) {
        for (int d = 0; d < dirs; ++d) f(d);
        return;
    }
    std::exception_ptr errors[2];
#pragma omp parallel for num_threads(2) schedule(static, 1)
    for (int d = 0; d < 2; ++d) {
        try {
            f(d);
        } catch (...) { errors[d] = std::current_exception(); }
    }
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
}

inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

// tanh(x) = 1 - 2 / (exp(2x) + 1): absolute error ~1e-7 (relative error grows only near 0,
// where the value itself is tiny).
inline float tanh_approx(float x) { return 1.0f - 2.0f / (exp_approx(2.0f * x) + 1.0f); }

} // namespace emotion::nn::detail
