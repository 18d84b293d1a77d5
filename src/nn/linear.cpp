#include "nn/linear.h"

#include <cmath>
#include <stdexcept>

#include "nn/dnnl_compat.h"
#include "nn/parallel.h"
#include "nn/init.h"

namespace emotion::nn {

using dnnl::memory;

// Three matmuls, each built once with a runtime row count (DNNL_RUNTIME_DIM_VAL) so any batch
// size / sequence length reuses them:
//   forward        y [M, out]  = x [M, in] * W^T [in, out] + b
//   backward data  dx [M, in]  = dy [M, out] * W [out, in]
//   backward wts   dW [out, in] += dy^T [out, M] * x [M, in]   (sum post-op: accumulates)
struct Linear::Primitives {
    dnnl::matmul forward;
    dnnl::matmul backward_data;
    dnnl::matmul backward_weights;
    memory::desc weight_t_desc; // W^T view [in, out] of the [out, in] weight
    memory::desc weight_desc;   // W [out, in]
    memory::desc bias_desc;     // [1, out]
    memory::desc grad_weight_desc;
};

namespace {

constexpr memory::dim kRuntime = DNNL_RUNTIME_DIM_VAL;

memory::desc strided(const memory::dims& dims, const memory::dims& strides) {
    return memory::desc(dims, memory::data_type::f32, strides);
}

// Rows of a tensor whose last dim is `features`: the product of the leading dims.
int64_t rows_of(const Tensor& t, int features, const char* what) {
    if (t.rank() < 1 || t.dim(-1) != features)
        throw std::invalid_argument(std::string("Linear: ") + what + " has shape " +
                                    shape_to_string(t.shape()) + ", expected last dim " +
                                    std::to_string(features));
    return t.size() / features;
}

Shape with_last(const Shape& shape, int64_t last) {
    Shape out = shape;
    out.back() = last;
    return out;
}

} // namespace

Linear::Linear(Context& context, int in_features, int out_features, bool bias)
    : weight(Shape{out_features, in_features}), bias(bias ? Parameter(Shape{out_features}) : Parameter()),
      context_(context), in_(in_features), out_(out_features), has_bias_(bias) {
    if (in_features <= 0 || out_features <= 0)
        throw std::invalid_argument("Linear: features must be positive, got in " +
                                    std::to_string(in_features) + ", out " + std::to_string(out_features));
    if (!bias) this->bias.trainable = false;

    auto p = std::make_shared<Primitives>();
    const memory::dim in = in_, out = out_;
    const auto& engine = context_.engine();

    p->weight_t_desc = strided({in, out}, {1, in});
    p->weight_desc = strided({out, in}, {in, 1});
    p->bias_desc = strided({1, out}, {out, 1});
    p->grad_weight_desc = p->weight_desc;

    auto x_rt = strided({kRuntime, in}, {in, 1});
    auto y_rt = strided({kRuntime, out}, {out, 1});
    p->forward =
        dnnl::matmul(has_bias_ ? compat::matmul_pd(engine, x_rt, p->weight_t_desc, p->bias_desc, y_rt, {})
                               : compat::matmul_pd(engine, x_rt, p->weight_t_desc, y_rt));
    p->backward_data = dnnl::matmul(compat::matmul_pd(engine, y_rt, p->weight_desc, x_rt));

    const dnnl::primitive_attr attr = accumulate_attr();
    auto dy_t_rt = strided({out, kRuntime}, {1, out});
    p->backward_weights = dnnl::matmul(compat::matmul_pd(engine, dy_t_rt, x_rt, p->grad_weight_desc, attr));
    primitives_ = std::move(p);
}

ParameterTable Linear::parameters() {
    ParameterTable table{{"weight", &weight}};
    if (has_bias_) table.push_back({"bias", &bias});
    return table;
}

void Linear::init_xavier(Rng& rng) {
    xavier_uniform(weight.value, in_, out_, rng);
    if (has_bias_) bias.value.zero();
}

void Linear::forward_into(const Tensor& x, Tensor& y) {
    const int64_t rows = rows_of(x, in_, "input");
    y.resize(with_last(x.shape(), out_));
    if (rows == 0) return;
    const auto& engine = context_.engine();
    auto& p = *primitives_;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, x.memory(engine, strided({rows, in_}, {in_, 1}))},
        {DNNL_ARG_WEIGHTS, weight.value.memory(engine, p.weight_t_desc)},
        {DNNL_ARG_DST, y.memory(engine, strided({rows, out_}, {out_, 1}))},
    };
    if (has_bias_) args[DNNL_ARG_BIAS] = bias.value.memory(engine, p.bias_desc);
    context_.execute(p.forward, args);
}

const Tensor& Linear::forward(const Tensor& x, Mode mode) {
    forward_into(x, output_);
    if (mode == Mode::Train) input_.copy_from(x);
    return output_;
}

const Tensor& Linear::backward(const Tensor& dy) {
    if (input_.empty() && rows_of(dy, out_, "gradient") != 0)
        throw std::logic_error("Linear::backward without a Train-mode forward");
    return backward(input_, dy);
}

const Tensor& Linear::backward(const Tensor& x, const Tensor& dy) {
    backward_into(x, dy, grad_input_);
    return grad_input_;
}

void Linear::backward_into(const Tensor& x, const Tensor& dy, Tensor& dx) {
    const int64_t rows = rows_of(x, in_, "input");
    if (rows_of(dy, out_, "gradient") != rows)
        throw std::invalid_argument("Linear::backward: gradient " + shape_to_string(dy.shape()) +
                                    " does not match input " + shape_to_string(x.shape()));
    dx.resize(x.shape());
    if (rows == 0) return;
    const auto& engine = context_.engine();
    auto& p = *primitives_;
    auto x_mem = x.memory(engine, strided({rows, in_}, {in_, 1}));

    context_.execute(p.backward_data, {{DNNL_ARG_SRC, dy.memory(engine, strided({rows, out_}, {out_, 1}))},
                                       {DNNL_ARG_WEIGHTS, weight.value.memory(engine, p.weight_desc)},
                                       {DNNL_ARG_DST, dx.memory(engine, strided({rows, in_}, {in_, 1}))}});

    if (weight.trainable) {
        context_.execute(p.backward_weights,
                         {{DNNL_ARG_SRC, dy.memory(engine, strided({out_, rows}, {1, out_}))},
                          {DNNL_ARG_WEIGHTS, x_mem},
                          {DNNL_ARG_DST, weight.grad.memory(engine, p.grad_weight_desc)}});
    }
    if (has_bias_ && bias.trainable) accumulate_column_sums(dy.data(), rows, out_, out_, bias.grad.data());
}

} // namespace emotion::nn
