// M4's text side: the tokenizer (Unicode case mapping, apostrophes, punctuation, emoji, invalid
// UTF-8, a 10 MB line in linear time), the vocabulary, embedding tables, the "vocabulary" of
// ksmm model files (round trip and errors), the text-only forward/backward (finite
// differences) and text-branch files (pretrain a toy corpus, start a model from it).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include <glib.h>

#include "gradcheck.h"
#include "io/safetensors.h"
#include "models/ksmm_model.h"
#include "models/ksmm_text.h"
#include "models/model_file.h"
#include "nn/context.h"
#include "nn/rng.h"
#include "test_main.h"
#include "text/embedding_table.h"
#include "text/tokenizer.h"
#include "text/vocabulary.h"
#include "train/text_pretrain.h"

using namespace emotion;
using namespace emotion::test;
using Words = std::vector<std::string>;

namespace {

std::string join(const Words& words) {
    std::string out = "[";
    for (size_t i = 0; i < words.size(); ++i) out += (i ? "|" : "") + words[i];
    return out + "]";
}

void expect_tokens(int line, std::string_view input, const Words& want) {
    const Words got = text::tokenize(input);
    if (got != want)
        test::fail(__FILE__, line,
                   "tokenize(\"" + std::string(input) + "\") = " + join(got) + ", expected " + join(want));
}
#define EXPECT_TOKENS(input, ...) expect_tokens(__LINE__, input, Words __VA_ARGS__)

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A small ksmm configuration (fast; same structure as the default).
nlohmann::json small_config(int vocab) {
    return {{"vocab", vocab},  {"d", 16},       {"heads", 2},     {"ffn", 16},
            {"n_enc", 1},      {"n_ccab", 1},   {"n_ks", 1},      {"K", 2},
            {"audio_len", 12}, {"text_len", 6}, {"dropout", 0.0}, {"head_dropout", 0.0}};
}

text::EmbeddingTable small_table() {
    text::EmbeddingTable table;
    table.words = {"", "good", "great", "happy", "bad", "awful", "sad", "the", "day"};
    nn::Rng rng(7);
    table.vectors = nn::Tensor({static_cast<int64_t>(table.words.size()), 6});
    for (int64_t i = 6; i < table.vectors.size(); ++i) table.vectors[i] = rng.uniform(-1.0f, 1.0f);
    table.source = {{"note", "test table"}};
    table.licence = "test";
    return table;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Tokenizer

TEST(tokenize_words_and_case) {
    EXPECT_TOKENS("Hello, World", {"hello", "world"});
    EXPECT_TOKENS("", {});
    EXPECT_TOKENS("  \t\n ", {});
    EXPECT_TOKENS("ÄRGER über Straße", {"ärger", "über", "straße"});
    EXPECT_TOKENS("ΣΟΦΊΑ", {"σοφία"});
    // A capital sigma at the end of a word becomes the final form (Unicode's Final_Sigma).
    EXPECT_TOKENS("ΟΔΥΣΣΕΥΣ", {"οδυσσευς"});
    // Letters that are not of category Lu still have lower-case forms: Roman numerals, circled.
    EXPECT_TOKENS("Ⅻ Ⓐ", {"xii", "a"});
    EXPECT_TOKENS("ＦＵＬＬ ﬁne", {"full", "fine"}); // NFKC: full-width letters, ligature
    EXPECT_TOKENS("Cafe\xCC\x81", {"café"});         // e + combining acute -> precomposed
    EXPECT_TOKENS("mp3 F-16 2015", {"mp3", "f-16", "2015"});
    EXPECT_TOKENS("10,000 or 1.5", {"10", "000", "or", "1", "5"});
}

TEST(tokenize_apostrophes) {
    EXPECT_TOKENS("don't", {"do", "not"});
    EXPECT_TOKENS("DON\xE2\x80\x99T", {"do", "not"}); // U+2019
    EXPECT_TOKENS("can't won\xE2\x80\x99t isn't", {"can", "not", "will", "not", "is", "not"});
    EXPECT_TOKENS("I'm you're we'll they've she'd",
                  {"i", "am", "you", "are", "we", "will", "they", "have", "she", "would"});
    EXPECT_TOKENS("it's John's", {"it", "john"});
    EXPECT_TOKENS("o'clock rock'n'roll", {"o", "clock", "rock", "n", "roll"});
    EXPECT_TOKENS("'quoted' `x`", {"quoted", "x"});
    EXPECT_TOKENS("goin' '90s", {"goin", "90s"});
}

TEST(tokenize_hyphens_and_punctuation) {
    EXPECT_TOKENS("well-known long\xE2\x80\x91term", {"well-known", "long-term"}); // U+2011
    EXPECT_TOKENS("--wait-- a - b x-", {"wait", "a", "b", "x"});
    EXPECT_TOKENS("em\xE2\x80\x94"
                  "dash",
                  {"em", "dash"}); // U+2014 separates
    EXPECT_TOKENS("Why?!? Wow!!! ok.", {"why", "?", "!", "?", "wow", "!", "ok"});
    EXPECT_TOKENS("a,b;c:d(e)[f]\"g\" #h @i", {"a", "b", "c", "d", "e", "f", "g", "h", "i"});
}

TEST(tokenize_emoji) {
    EXPECT_TOKENS("I love it \xF0\x9F\x98\x80\xF0\x9F\x98\xA1", {"i", "love", "it"});
    EXPECT_TOKENS("happy\xF0\x9F\x98\x80"
                  "day",
                  {"happy", "day"});
    EXPECT_TOKENS("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", {}); // thumbs up + skin tone
}

TEST(tokenize_invalid_utf8) {
    EXPECT_TOKENS("\xff\xfe"
                  "abc\xc3",
                  {"abc"});
    EXPECT_TOKENS("ab\xff"
                  "cd",
                  {"ab", "cd"});
    EXPECT_TOKENS(std::string_view("ab\0cd", 5), {"ab", "cd"});
    EXPECT_TOKENS("\xed\xa0\x80 surrogate \xc0\xaf overlong", {"surrogate", "overlong"});
    // Random bytes: never throws, every token is valid UTF-8 and non-empty.
    nn::Rng rng(3);
    for (int i = 0; i < 3000; ++i) {
        std::string bytes(rng.next() % 64, '\0');
        for (char& c : bytes) c = static_cast<char>(rng.next() & 0xff);
        Words tokens;
        try {
            tokens = text::tokenize(bytes);
        } catch (const std::exception& e) { EXPECT_MSG(false, e.what()); }
        for (const std::string& t : tokens)
            EXPECT(!t.empty() && g_utf8_validate(t.data(), t.size(), nullptr));
    }
}

TEST(tokenize_10mb_line_linear_time) {
    std::string line;
    line.reserve(10u << 20);
    while (line.size() < (10u << 20)) line += "Don't WORRY, be happy! ";
    auto start = std::chrono::steady_clock::now();
    const Words words = text::tokenize(line);
    const double words_s = seconds_since(start);
    EXPECT(words.size() == line.size() / 23 * 6);
    // One 10 MB run of combining marks of alternating classes (the worst case of canonical
    // reordering), and a 10 MB word without a separator.
    std::string marks = "a";
    while (marks.size() < (10u << 20)) marks += "\xCC\x81\xCC\x96"; // U+0301 (230), U+0316 (220)
    start = std::chrono::steady_clock::now();
    const Words one = text::tokenize(marks);
    const double marks_s = seconds_since(start);
    EXPECT(one.size() == 1 && one[0].size() < 100);
    const std::string word(10u << 20, 'x');
    start = std::chrono::steady_clock::now();
    const Words long_word = text::tokenize(word);
    const double word_s = seconds_since(start);
    EXPECT(long_word.size() == 1 && long_word[0].size() == word.size());
    std::printf("10 MB: words %.2f s, combining marks %.2f s, one word %.2f s\n", words_s, marks_s, word_s);
    EXPECT(words_s < 20 && marks_s < 20 && word_s < 20);
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

TEST(vocabulary_ids) {
    text::Vocabulary v({"", "do", "not", "cafe", "semi", "automatic", "well-known", "!", "happy"});
    EXPECT(v.size() == 9 && v.words()[3] == "cafe");
    EXPECT(v.id("do") == 1 && v.id("zzz") == 0 && v.id("") == 0);
    EXPECT(v.ids("Don't!", 20) == (std::vector<int>{1, 2, 7}));
    EXPECT(v.ids("Don't!", 2) == (std::vector<int>{1, 2}));
    EXPECT(v.ids("Don't!", 0).empty());
    EXPECT(v.ids("CAFÉ unknown happy", 20) == (std::vector<int>{3, 0, 8})); // accent fallback
    EXPECT(v.ids("well-known semi-automatic semi-xyz", 20) == (std::vector<int>{6, 4, 5, 4, 0}));
    EXPECT(v.ids("semi-automatic", 1) == (std::vector<int>{4}));
    EXPECT(v.ids("\xff\xfe", 20).empty());
    EXPECT_THROWS(text::Vocabulary({"x", "y"}));
    EXPECT_THROWS(text::Vocabulary({}));
    EXPECT_THROWS(text::Vocabulary({"", "a", "a"}));
    EXPECT_THROWS(text::Vocabulary({"", "a", ""}));
}

// ---------------------------------------------------------------------------------------------
// Embedding tables and model files

TEST(embedding_table_round_trip_and_errors) {
    const text::EmbeddingTable table = small_table();
    const std::string path = temp_path("table.safetensors");
    text::write_embedding_table(path, table);
    const text::EmbeddingTable back = text::read_embedding_table(path);
    EXPECT(back.words == table.words && back.dimensions() == 6 && back.licence == "test");
    for (int64_t i = 0; i < table.vectors.size(); ++i) EXPECT(back.vectors[i] == table.vectors[i]);

    try {
        text::read_embedding_table(temp_path("missing.safetensors"));
        EXPECT(false);
    } catch (const std::exception& e) {
        EXPECT_MSG(std::string(e.what()).find("emotion-embeddings") != std::string::npos, e.what());
    }
    io::SafetensorsWriter bad; // a vocabulary of 3 words for 9 rows
    bad.set_metadata("format", text::kEmbeddingsFormat);
    bad.set_metadata("vocabulary", R"(["", "a", "b"])");
    bad.add("embedding", table.vectors);
    bad.write_atomic(temp_path("bad.safetensors"));
    EXPECT_THROWS(text::read_embedding_table(temp_path("bad.safetensors")));
    text::EmbeddingTable wrong = table;
    wrong.words.pop_back();
    EXPECT_THROWS(text::write_embedding_table(temp_path("x.safetensors"), wrong));
}

TEST(create_ksmm_model_without_table_n) {
    nn::Context context;
    nn::Rng rng(1);
    models::ModelInfo info;
    try {
        models::create_ksmm_model(context, small_config(3), temp_path("no-such-table"), rng, info);
        EXPECT(false);
    } catch (const std::exception& e) {
        EXPECT_MSG(std::string(e.what()).find("no embedding table there") != std::string::npos, e.what());
    }
}

TEST(model_file_vocabulary) {
    nn::Context context;
    const std::string table_path = temp_path("table2.safetensors");
    text::write_embedding_table(table_path, small_table());
    nn::Rng rng(1);
    models::ModelInfo info;
    info.labels = {"neg", "pos"};
    auto model = models::create_ksmm_model(context, small_config(3), table_path, rng, info);
    EXPECT(info.vocabulary == small_table().words);
    EXPECT(info.config.value("vocab", 0) == 9 && info.config.value("d_word", 0) == 6);
    EXPECT(info.config.value("freeze_embedding", false));
    for (const auto& entry : model->parameters())
        if (entry.name == "text.embedding") {
            EXPECT(!entry.parameter->trainable);
            for (int64_t i = 0; i < entry.parameter->value.size(); ++i)
                EXPECT(entry.parameter->value[i] == small_table().vectors[i]);
        }

    const std::string path = temp_path("ksmm.safetensors");
    models::save_model(path, *model, info);
    models::ModelInfo loaded_info;
    auto loaded = models::load_model(context, path, &loaded_info);
    EXPECT(loaded_info.vocabulary == info.vocabulary);
    auto a = model->parameters(), b = loaded->parameters();
    EXPECT(a.size() == b.size());
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        for (int64_t j = 0; j < a[i].parameter->value.size(); ++j)
            EXPECT(a[i].parameter->value[j] == b[i].parameter->value[j]);

    // Errors: a wrong size, no vocabulary, a vocabulary on another architecture.
    auto expect_load_error = [&](const std::string& file, const std::string& part) {
        try {
            models::load_model(context, file, nullptr);
            EXPECT_MSG(false, file + " loaded");
        } catch (const std::exception& e) {
            EXPECT_MSG(std::string(e.what()).find(part) != std::string::npos, e.what());
        }
    };
    io::SafetensorsWriter writer = models::model_writer(*model, info);
    writer.set_metadata("vocabulary", R"(["", "a", "b"])");
    writer.write_atomic(temp_path("wrong_size.safetensors"));
    expect_load_error(temp_path("wrong_size.safetensors"), "'vocabulary' has 3 words, expected 9");
    writer.set_metadata("vocabulary", R"(["a", "b"])");
    writer.write_atomic(temp_path("no_unknown.safetensors"));
    expect_load_error(temp_path("no_unknown.safetensors"), "entry 0 must be the empty word");
    writer.set_metadata("vocabulary", R"({"a": 1})");
    writer.write_atomic(temp_path("not_array.safetensors"));
    expect_load_error(temp_path("not_array.safetensors"), "not a JSON array");

    models::ModelInfo wrong = info;
    wrong.vocabulary.pop_back();
    EXPECT_THROWS(models::model_writer(*model, wrong));
    wrong.vocabulary.clear();
    EXPECT_THROWS(models::model_writer(*model, wrong));

    auto alstm = models::create_model(context, "alstm", {{"heads", {{"emotion", 2}}}});
    models::ModelInfo alstm_info;
    alstm_info.architecture = "alstm";
    alstm_info.labels = {"neg", "pos"};
    alstm_info.features = models::features_for("alstm");
    alstm_info.vocabulary = {"", "a"};
    EXPECT_THROWS(models::model_writer(*alstm, alstm_info));
    alstm_info.vocabulary.clear();
    io::SafetensorsWriter alstm_writer = models::model_writer(*alstm, alstm_info);
    alstm_writer.set_metadata("vocabulary", R"(["", "a"])");
    alstm_writer.write_atomic(temp_path("alstm_vocab.safetensors"));
    expect_load_error(temp_path("alstm_vocab.safetensors"), "only for ksmm");

    // A model whose embedding does not match the table.
    auto other = models::create_model(context, "ksmm", small_config(5));
    models::ModelInfo other_info;
    try {
        models::attach_embeddings(*other, other_info, table_path);
        EXPECT(false);
    } catch (const std::invalid_argument& e) {
        EXPECT_MSG(std::string(e.what()).find("with_word_vectors") != std::string::npos, e.what());
    }
}

// ---------------------------------------------------------------------------------------------
// The text branch alone

TEST(text_branch_gradients) {
    nn::Context context;
    nlohmann::json config = small_config(9);
    config["keep_rate"] = 1.0; // no key-sparse selection: its top-k is a kink finite differences trip on
    models::KsmmModel model(context, models::KsmmConfig::from_json(config));
    nn::Rng rng(11);
    model.init(rng);
    const std::vector<std::vector<int>> ids = {{1, 2, 3, 4}, {5, 6, 7, 8, 1, 2}, {}};
    const std::vector<int> lengths = {4, 6, 0};
    const nn::Tensor probe = random_tensor({3, 16}, rng);
    const nn::ParameterTable table = model.parameters();
    nn::zero_grads(table);
    model.forward_text(ids, lengths, nn::Mode::Train);
    model.backward_text(probe);
    auto loss = [&] { return dot(model.forward_text(ids, lengths, nn::Mode::Infer), probe); };
    std::vector<GradInput> inputs;
    std::vector<nn::Tensor> analytic;
    analytic.reserve(table.size());
    for (const auto& entry : table) {
        const bool text = models::is_text_branch_parameter(entry.name);
        const bool has_grad = entry.parameter->trainable && entry.parameter->grad.size() > 0;
        if (!text) { // nothing outside the branch moves
            double sum = 0.0;
            if (has_grad)
                for (int64_t i = 0; i < entry.parameter->grad.size(); ++i)
                    sum += std::fabs(entry.parameter->grad[i]);
            EXPECT_MSG(sum == 0.0, entry.name);
            continue;
        }
        if (entry.name.find("in_proj_bias") != std::string::npos) continue; // K third analytically 0
        analytic.push_back(copy_of(entry.parameter->grad));
        inputs.push_back({entry.name, &entry.parameter->value, &analytic.back()});
    }
    GradCheckOptions options;
    options.max_elements = 40;
    options.eps = 3e-3; // smaller steps cross fewer ReLU kinks (text.in.bias moves every token)
    GradCheckResult r = gradcheck(loss, inputs, options);
    std::printf("text branch gradcheck: max error %.2e over %zu tensors (%d skipped)\n", r.max_error,
                inputs.size(), r.skipped);
    EXPECT_MSG(r.ok, r.report);
}

TEST(text_branch_pretrain_toy_and_start_model) {
    // A toy corpus: "pos" sentences use good/great/happy, "neg" ones bad/awful/sad.
    const text::EmbeddingTable table = small_table();
    std::vector<io::LabelledText> texts;
    nn::Rng rng(5);
    const Words pos = {"good", "great", "happy"}, neg = {"bad", "awful", "sad"};
    for (int i = 0; i < 256; ++i) {
        const bool positive = i % 2 == 0;
        std::string s = "the day";
        for (int w = 0; w < 3; ++w) s += " " + (positive ? pos : neg)[rng.next() % 3];
        texts.push_back({s, positive ? 1 : 0});
    }
    nn::Context context;
    train::TextPretrainSettings settings;
    settings.epochs = 3;
    settings.batch_size = 16;
    settings.learning_rate = 3e-3;
    nlohmann::json config = small_config(0);
    config.erase("vocab");
    train::TextPretrainer pretrainer(context, table, {"neg", "pos"}, config, settings);
    const auto items = pretrainer.prepare(texts);
    EXPECT(train::TextPretrainer::known_share(items) == 1.0);
    train::TextEpochReport report;
    for (int e = 0; e < settings.epochs; ++e) report = pretrainer.train_epoch(items, items);
    pretrainer.restore_best();
    const double ua = pretrainer.evaluate(items).unweighted_accuracy();
    std::printf("toy corpus: UA %.3f after %d epochs\n", ua, settings.epochs);
    EXPECT(ua > 0.95);

    const std::string path = temp_path("text_branch.safetensors");
    pretrainer.save(path, {{"note", "toy"}}, {});
    // A new model from the branch: same text weights, its own audio/CCAB/head.
    nlohmann::json full = small_config(0);
    full.erase("vocab");
    nn::Rng init_rng(2);
    models::ModelInfo info;
    info.labels = {"neg", "pos"};
    auto model = models::create_ksmm_model(context, full, path, init_rng, info);
    EXPECT(info.vocabulary == table.words);
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    int copied = 0;
    for (const auto& entry : model->parameters()) {
        if (!models::is_text_branch_parameter(entry.name)) continue;
        const nn::Tensor stored = file.f32(entry.name);
        bool same = stored.size() == entry.parameter->value.size();
        for (int64_t i = 0; same && i < stored.size(); ++i) same = stored[i] == entry.parameter->value[i];
        EXPECT_MSG(same, entry.name);
        ++copied;
    }
    EXPECT(copied > 10);
    models::save_model(temp_path("from_branch.safetensors"), *model, info);
    EXPECT(models::load_model(context, temp_path("from_branch.safetensors"), nullptr) != nullptr);

    // Without settings of its own, the model takes the branch's shape (d 16, one layer each).
    models::ModelInfo shaped_info;
    auto shaped =
        models::create_ksmm_model(context, {{"K", 2}, {"audio_len", 12}}, path, init_rng, shaped_info);
    EXPECT(shaped_info.config.value("d", 0) == 16 && shaped_info.config.value("n_enc", 0) == 1 &&
           shaped_info.config.value("text_len", 0) == 6);

    // A model with more text layers than the pretrained branch.
    nlohmann::json deeper = full;
    deeper["n_enc"] = 2;
    models::ModelInfo deeper_info;
    try {
        models::create_ksmm_model(context, deeper, path, init_rng, deeper_info);
        EXPECT(false);
    } catch (const std::exception& e) {
        EXPECT_MSG(std::string(e.what()).find("text.enc.1") != std::string::npos, e.what());
    }
}

TEST_MAIN()
