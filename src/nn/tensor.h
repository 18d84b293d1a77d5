// A dense float32 tensor in row-major (C) order whose storage oneDNN memory objects wrap
// without copying. Layers keep their activations in Tensors and reuse the storage when the
// shape does not grow, so steady-state inference allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "nn/parallel.h"

namespace emotion::nn {

using Shape = std::vector<int64_t>;

std::string shape_to_string(const Shape& shape);
int64_t shape_elements(const Shape& shape);

class Tensor {
public:
    Tensor() = default;
    explicit Tensor(Shape shape);                   // zero-filled
    Tensor(Shape shape, std::vector<float> values); // values.size() must match
    // Copies own their storage (data_ points into storage_, so a member-wise copy would point
    // into the source); a moved-from tensor is empty.
    Tensor(const Tensor& other);
    Tensor& operator=(const Tensor& other);
    Tensor(Tensor&& other) noexcept;
    Tensor& operator=(Tensor&& other) noexcept;

    const Shape& shape() const { return shape_; }
    int rank() const { return static_cast<int>(shape_.size()); }
    int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
    int64_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    float* data() { return data_; }
    const float* data() const { return data_; }
    float& operator[](int64_t i) { return data_[i]; }
    float operator[](int64_t i) const { return data_[i]; }

    // Changes the shape; keeps the allocation when it is large enough. Contents are unspecified
    // unless `zero` is set.
    void resize(const Shape& shape, bool zero = false);
    void zero();
    void fill(float value);
    void copy_from(const Tensor& other); // resizes to other's shape
    // Same data, new shape with the same element count.
    void reshape(const Shape& shape);

    // oneDNN views of the storage: plain row-major layout of the current shape, or an explicit
    // format tag / descriptor over the same bytes.
    dnnl::memory::desc desc() const;
    dnnl::memory memory(const dnnl::engine& engine) const;
    dnnl::memory memory(const dnnl::engine& engine, const dnnl::memory::desc& desc) const;

private:
    Shape shape_;
    int64_t size_ = 0;
    std::vector<float> storage_; // over-allocated for 64-byte alignment of data_
    float* data_ = nullptr;
};

// dst[i] += src[i] for i < n (residual and gradient sums), split among the threads when large.
inline void add_into(float* dst, const float* src, int64_t n) {
    parallel_ranges(n, n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) dst[i] += src[i];
    });
}

// Plain row-major oneDNN descriptor for `dims` (f32).
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims);
dnnl::memory::dims to_dims(const Shape& shape);
// A primitive attribute that adds the result to the destination (a sum post-op): for gradients,
// which accumulate.
dnnl::primitive_attr accumulate_attr();

} // namespace emotion::nn
