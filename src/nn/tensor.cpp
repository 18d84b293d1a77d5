#include "nn/tensor.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace emotion::nn {

namespace {
constexpr size_t kAlignFloats = 16; // 64 bytes

float* aligned_start(std::vector<float>& storage) {
    auto address = reinterpret_cast<uintptr_t>(storage.data());
    size_t offset = (64 - address % 64) % 64 / sizeof(float);
    return storage.data() + offset;
}
} // namespace

std::string shape_to_string(const Shape& shape) {
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

int64_t shape_elements(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw std::invalid_argument("negative dimension in shape " + shape_to_string(shape));
        n *= d;
    }
    return n;
}

Tensor::Tensor(Shape shape) { resize(shape, true); }

Tensor::Tensor(Shape shape, std::vector<float> values) {
    resize(shape);
    if (static_cast<int64_t>(values.size()) != size_)
        throw std::invalid_argument("tensor of shape " + shape_to_string(shape) + " needs " +
                                    std::to_string(size_) + " values, got " + std::to_string(values.size()));
    std::copy(values.begin(), values.end(), data_);
}

Tensor::Tensor(const Tensor& other) { copy_from(other); }

Tensor& Tensor::operator=(const Tensor& other) {
    copy_from(other);
    return *this;
}

Tensor::Tensor(Tensor&& other) noexcept { *this = std::move(other); }

Tensor& Tensor::operator=(Tensor&& other) noexcept {
    if (&other == this) return *this;
    shape_ = std::move(other.shape_);
    size_ = other.size_;
    storage_ = std::move(other.storage_); // the buffer, and with it data_'s alignment, moves along
    data_ = other.data_;
    other.shape_.clear();
    other.size_ = 0;
    other.data_ = nullptr;
    return *this;
}

void Tensor::resize(const Shape& shape, bool zero) {
    int64_t n = shape_elements(shape);
    size_t needed = static_cast<size_t>(n) + kAlignFloats;
    if (storage_.size() < needed) {
        // Grow with headroom: training sees a new sequence length every batch, and growing by
        // one frame at a time would reallocate (and zero) on almost every step.
        storage_.assign(std::max(needed, storage_.size() + storage_.size() / 2), 0.0f);
        data_ = aligned_start(storage_);
    } else if (zero) {
        std::fill(data_, data_ + n, 0.0f);
    }
    if (!data_) data_ = aligned_start(storage_);
    shape_ = shape;
    size_ = n;
}

void Tensor::zero() { fill(0.0f); }

void Tensor::fill(float value) {
    parallel_ranges(size_, size_,
                    [&](int64_t begin, int64_t end) { std::fill(data_ + begin, data_ + end, value); });
}

void Tensor::copy_from(const Tensor& other) {
    if (&other == this) return;
    resize(other.shape_);
    if (!size_) return;
    // M4's layers copy activations of 7.5 MB (saved inputs, residual gradients): one thread does
    // not reach the memory bandwidth two do.
    const float* src = other.data_;
    parallel_ranges(size_, size_, [&](int64_t begin, int64_t end) {
        std::memcpy(data_ + begin, src + begin, sizeof(float) * (end - begin));
    });
}

void Tensor::reshape(const Shape& shape) {
    if (shape_elements(shape) != size_)
        throw std::invalid_argument("cannot reshape " + shape_to_string(shape_) + " to " +
                                    shape_to_string(shape));
    shape_ = shape;
}

dnnl::memory::dims to_dims(const Shape& shape) { return dnnl::memory::dims(shape.begin(), shape.end()); }

dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims) {
    dnnl::memory::dims strides(dims.size(), 1);
    for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i)
        strides[i] = strides[i + 1] * std::max<dnnl::memory::dim>(dims[i + 1], 1);
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::primitive_attr accumulate_attr() {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    return attr;
}

dnnl::memory::desc Tensor::desc() const { return plain_desc(to_dims(shape_)); }

dnnl::memory Tensor::memory(const dnnl::engine& engine) const { return memory(engine, desc()); }

dnnl::memory Tensor::memory(const dnnl::engine& engine, const dnnl::memory::desc& desc) const {
    if (desc.get_size() > sizeof(float) * static_cast<size_t>(size_))
        throw std::logic_error("oneDNN view larger than tensor " + shape_to_string(shape_));
    return dnnl::memory(desc, engine, const_cast<float*>(data_));
}

} // namespace emotion::nn
