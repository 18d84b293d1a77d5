// The parameters of one LSTM layer as PyTorch lays them out and names them, which nn::Lstm
// (oneDNN's fused LSTM) and nn::Alstm (the A-LSTM cells) both hold, so that a model can copy one
// into the other. Per direction d (0 = forward, 1 = reverse): weight_ih [4H, I], weight_hh
// [4H, H], bias_ih, bias_hh [4H], gate order i, f, g, o; names weight_ih_l0, weight_hh_l0,
// bias_ih_l0, bias_hh_l0 (+ `_reverse`).
#pragma once

#include "nn/parameter.h"
#include "nn/rng.h"

namespace emotion::nn {

class LstmParameters {
public:
    int input_size() const { return input_; }
    int hidden_size() const { return hidden_; }
    int directions() const { return dirs_; }

    Parameter weight_ih[2], weight_hh[2], bias_ih[2], bias_hh[2];

protected:
    // std::invalid_argument, naming `who`, unless both sizes are positive.
    LstmParameters(const char* who, int input_size, int hidden_size, bool bidirectional);

    // The four parameters of every direction, in PyTorch's order.
    void append_lstm_parameters(ParameterTable& table);
    // The reference's init for every entry of `table`: U(-1/sqrt(H), 1/sqrt(H)).
    void init_uniform(const ParameterTable& table, Rng& rng) const;
    // out[j] = bias_ih[d][j] + bias_hh[d][j], j < 4H: the one bias of the input projection.
    void sum_biases(int d, float* out) const;

    int input_, hidden_, dirs_;
};

} // namespace emotion::nn
