// The architecture registry (models/architecture.h): every descriptor builds a model from its
// training configuration that runs on a batch laid out the descriptor's way with its feature
// dimensions; minimum frames, caps, batch layouts, published settings and model-file features
// agree with the descriptors; an unknown name lists the known ones.
#include <algorithm>
#include <cmath>
#include <set>
#include <unistd.h>

#include "models/architecture.h"
#include "models/classifier.h"
#include "models/ksmm_text.h"
#include "models/model_file.h"
#include "nn/rng.h"
#include "test_main.h"
#include "train/trainer.h"

using namespace emotion;

namespace {

constexpr int kClasses = 3;

// Two items of random features: sequences of `min_frames` and `min_frames + 7` frames, or two
// segments. Returns the values the items point into.
std::vector<std::vector<float>> random_items(const models::Architecture& a, nn::Rng& rng,
                                             std::vector<models::FeatureItem>& items) {
    const bool sequences = a.batch_layout == models::BatchLayout::Sequences;
    const std::vector<int> frames =
        sequences ? std::vector<int>{a.min_frames, a.min_frames + 7} : std::vector<int>{1, 1};
    std::vector<std::vector<float>> values;
    for (int n : frames) {
        values.emplace_back(static_cast<size_t>(n) * a.item_size());
        for (float& v : values.back()) v = rng.uniform(-1.0f, 1.0f);
    }
    items.clear();
    for (size_t i = 0; i < frames.size(); ++i) items.push_back({values[i].data(), frames[i]});
    return values;
}

std::unique_ptr<models::Model> new_model(const models::Architecture& a, nn::Context& context) {
    auto model = a.create(context, a.training_config(nlohmann::json::object(), kClasses, 4, 2));
    nn::Rng rng(5);
    model->init(rng);
    return model;
}

models::ModelInfo info_for(const models::Architecture& a, const models::Model& model) {
    models::ModelInfo info;
    info.architecture = a.name;
    info.config = model.config();
    info.labels = {"a", "b", "c"};
    info.features = a.features;
    info.normalisation = a.normalisation;
    if (a.takes_text()) info.vocabulary = models::placeholder_vocabulary(a.vocabulary_size(model.config()));
    return info;
}

} // namespace

TEST(registry_lists_four_distinct_architectures) {
    std::set<std::string> names;
    for (const auto& a : models::architectures()) {
        EXPECT_MSG(!a.name.empty() && !a.description.empty(), a.name);
        EXPECT_MSG(a.create && a.training_config, a.name);
        EXPECT_MSG(!a.element.empty() && !a.features_element.empty(), a.name);
        EXPECT_MSG(!a.normalisation.empty(), a.name);
        names.insert(a.name);
        EXPECT(&models::architecture_named(a.name) == &a);
    }
    EXPECT(names.size() == models::architectures().size());
    EXPECT((names == std::set<std::string>{"alstm", "apcnn", "stl", "ksmm"}));
    EXPECT(models::architecture_names() == "alstm, apcnn, stl, ksmm");
    EXPECT(models::architecture_names(true) == "ksmm");
}

TEST(unknown_name_lists_the_known_ones_n) {
    try {
        models::architecture_named("svm");
        EXPECT(false);
    } catch (const std::invalid_argument& e) {
        const std::string message = e.what();
        EXPECT_MSG(message.find("'svm'") != std::string::npos, message);
        for (const auto& a : models::architectures())
            EXPECT_MSG(message.find(a.name) != std::string::npos, message);
    }
    EXPECT_THROWS(models::architecture_named(""));
    nn::Context context;
    EXPECT_THROWS(models::create_model(context, "svm", nlohmann::json::object()));
}

TEST(every_architecture_runs_a_batch_built_its_way) {
    for (const auto& a : models::architectures()) {
        nn::Context context;
        auto model = new_model(a, context);
        EXPECT_MSG(model->architecture() == a.name, a.name);
        EXPECT_MSG(&models::architecture_of(*model) == &a, a.name);
        EXPECT_MSG(model->num_classes() == kClasses, a.name);

        nn::Rng rng(11);
        std::vector<models::FeatureItem> items;
        auto values = random_items(a, rng, items);
        models::Batch batch;
        a.fill_features(items.data(), items.size(), batch);
        if (a.takes_text()) batch.tokens = {{1, 2, 3}, {}}; // the second item's text masked
        const nn::Tensor& logits = model->forward(batch, nn::Mode::Infer);
        EXPECT_MSG((logits.shape() == nn::Shape{2, kClasses}),
                   a.name + ": " + nn::shape_to_string(logits.shape()));
        for (int64_t i = 0; i < logits.size(); ++i) EXPECT_MSG(std::isfinite(logits[i]), a.name);
        std::printf("%-6s %s: logits %s from features %s\n", a.name.c_str(), a.description.c_str(),
                    nn::shape_to_string(logits.shape()).c_str(),
                    nn::shape_to_string(batch.features.shape()).c_str());
    }
}

TEST(batch_layouts_follow_the_feature_dimensions) {
    for (const auto& a : models::architectures()) {
        nn::Rng rng(3);
        std::vector<models::FeatureItem> items;
        auto values = random_items(a, rng, items);
        models::Batch batch; // left over from a larger batch: nothing of it may remain
        batch.lengths = {99};
        batch.features.resize({4, 100, 36});
        for (int64_t i = 0; i < batch.features.size(); ++i) batch.features[i] = 7.0f;
        a.fill_features(items.data(), items.size(), batch);
        const auto& dims = a.features.dimensions;
        if (a.batch_layout == models::BatchLayout::Sequences) {
            const int t = items[1].frames;
            EXPECT_MSG((batch.features.shape() == nn::Shape{2, t, dims.at(0)}), a.name);
            EXPECT_MSG((batch.lengths == std::vector<int>{items[0].frames, items[1].frames}), a.name);
            // item 0: its frames, then zero padding up to the longest
            const size_t real = size_t(items[0].frames) * a.item_size();
            EXPECT_MSG(std::equal(values[0].begin(), values[0].end(), batch.features.data()), a.name);
            bool padded_with_zeros = true;
            for (size_t i = real; i < size_t(t) * a.item_size(); ++i)
                padded_with_zeros &= batch.features[i] == 0.0f;
            EXPECT_MSG(padded_with_zeros, a.name);
            EXPECT_MSG(std::equal(values[1].begin(), values[1].end(),
                                  batch.features.data() + size_t(t) * a.item_size()),
                       a.name);
        } else {
            EXPECT_MSG((batch.features.shape() == nn::Shape{2, 1, dims.at(0), dims.at(1)}), a.name);
            EXPECT_MSG((batch.lengths == std::vector<int>{dims.at(1), dims.at(1)}), a.name);
            EXPECT_MSG(std::equal(values[1].begin(), values[1].end(), batch.features.data() + a.item_size()),
                       a.name);
        }
    }
}

TEST(min_frames_are_respected) {
    for (const auto& a : models::architectures()) {
        EXPECT_MSG(a.min_frames >= 1, a.name);
        auto context = std::make_unique<nn::Context>();
        auto model = new_model(a, *context);
        const models::ModelInfo info = info_for(a, *model);
        models::Classifier classifier(std::move(context), std::move(model), info, "in memory");
        EXPECT(classifier.min_frames() == a.min_frames);
        EXPECT(&classifier.architecture() == &a);
        std::vector<float> frames(size_t(a.min_frames) * a.item_size(), 0.5f);
        if (a.batch_layout == models::BatchLayout::Sequences) {
            EXPECT_MSG(classifier.classify_frames(frames.data(), a.min_frames).size() == size_t(kClasses),
                       a.name);
            EXPECT_THROWS(classifier.classify_frames(frames.data(), a.min_frames - 1));
            EXPECT_THROWS(classifier.classify_segments({frames.data()}));
        } else {
            EXPECT_MSG(classifier.classify_segments({frames.data()}).size() == size_t(kClasses), a.name);
            EXPECT_THROWS(classifier.classify_frames(frames.data(), 1));
        }
        if (!a.takes_text()) EXPECT_THROWS(classifier.classify_multimodal(frames.data(), a.min_frames, {1}));
    }
    EXPECT(models::architecture_named("stl").min_frames == 16); // the CNN pools time by 16
}

TEST(caps_dimensions_match_the_feature_dimensions) {
    for (const auto& a : models::architectures()) {
        // innermost first, with a trailing 1 for per-frame features
        std::vector<int> outer_first(a.caps_dimensions.rbegin(), a.caps_dimensions.rend());
        while (outer_first.size() > a.features.dimensions.size() && outer_first.front() == 1)
            outer_first.erase(outer_first.begin());
        EXPECT_MSG(outer_first == a.features.dimensions, a.name);
        const bool per_frame = a.batch_layout == models::BatchLayout::Sequences;
        EXPECT_MSG(per_frame == (a.features.kind == models::FeatureKind::Lld), a.name);
        EXPECT_MSG(per_frame ? a.caps_frame_rate == 100 : a.caps_frame_rate == 0, a.name);
        EXPECT_MSG(a.features.sample_rate == 16000, a.name);
        EXPECT_MSG(a.features_element == (per_frame ? "lldextract" : "mulawspec"), a.name);
    }
    EXPECT((models::architecture_named("alstm").caps_dimensions == std::vector<int>{36, 1}));
    EXPECT((models::architecture_named("apcnn").caps_dimensions == std::vector<int>{200, 400}));
    EXPECT((models::architecture_named("apcnn").features.dimensions == std::vector<int>{400, 200}));
    EXPECT(models::architecture_named("apcnn").features.describe() == "mulaw 400x200 @ 16000 Hz");
}

TEST(training_configs_set_classes_and_auxiliary_heads) {
    for (const auto& a : models::architectures()) {
        nn::Context context;
        auto model = a.create(context, a.training_config(nlohmann::json::object(), 5, 4, 2));
        EXPECT_MSG(model->num_classes() == 5, a.name);
        EXPECT_MSG(a.training_config({{"note", "kept"}}, 5, 4, 2).at("note") == "kept",
                   a.name); // user settings stay
    }
    const auto& alstm = models::architecture_named("alstm");
    auto heads = alstm.training_config(nlohmann::json::object(), 4, 10, 2).at("heads");
    EXPECT((heads == nlohmann::json{{"emotion", 4}, {"speaker", 10}, {"gender", 2}}));
    heads = alstm.training_config({{"tasks", {"gender"}}}, 4, 10, 2).at("heads");
    EXPECT((heads == nlohmann::json{{"emotion", 4}, {"gender", 2}}));
    heads = alstm.training_config(nlohmann::json::object(), 4, 1, 0).at("heads"); // one speaker: no head
    EXPECT((heads == nlohmann::json{{"emotion", 4}}));
    EXPECT(models::architecture_named("stl").training_config({{"K", 9}}, 4, 10, 2).at("K") == 4);
}

TEST(published_training_becomes_the_train_settings) {
    for (const auto& a : models::architectures()) {
        const train::TrainSettings s = train::TrainSettings::defaults(a);
        const models::PublishedTraining& p = a.training;
        EXPECT_MSG(s.optimizer == p.optimizer && s.learning_rate == p.learning_rate &&
                       s.momentum == p.momentum && s.nesterov == p.nesterov &&
                       s.weight_decay == p.weight_decay && s.schedule == p.schedule &&
                       s.milestones == p.milestones && s.gamma == p.gamma &&
                       s.cosine_epochs == p.cosine_epochs && s.batch_size == p.batch_size &&
                       s.patience == p.patience && s.bn_recalibration == p.bn_recalibration,
                   a.name);
        EXPECT_MSG(train::TrainSettings::defaults(a.name).to_json() == s.to_json(), a.name);
    }
    const auto m1 = train::TrainSettings::defaults("alstm");
    EXPECT(m1.optimizer == "adam" && m1.learning_rate == 1e-3 && m1.batch_size == 32 && m1.patience == 3);
    EXPECT(train::TrainSettings::defaults("apcnn").bn_recalibration == 256);
    EXPECT_THROWS(train::TrainSettings::defaults("svm"));
}

TEST(trainer_takes_examples_of_the_architecture_item_size_n) {
    nn::Context context;
    const auto& apcnn = models::architecture_named("apcnn");
    auto model = new_model(apcnn, context);
    EXPECT_THROWS(train::Trainer(*model, {"a", "b", "c"}, train::TrainSettings::defaults(apcnn), 36));
    train::Trainer ok(*model, {"a", "b", "c"}, train::TrainSettings::defaults(apcnn), apcnn.item_size());
    EXPECT(ok.settings().batch_size == 64);
}

TEST(model_files_declare_their_architecture_features) {
    for (const auto& a : models::architectures()) {
        nn::Context context;
        auto model = new_model(a, context);
        models::ModelInfo info = info_for(a, *model);
        const std::string path = test::temp_path(a.name + ".safetensors");
        models::save_model(path, *model, info);
        const models::ModelInfo read = models::read_model_info(path);
        EXPECT_MSG(read.architecture == a.name && read.features == a.features, a.name);
        EXPECT_MSG(read.normalisation == a.normalisation, a.name);
        EXPECT_MSG(read.vocabulary.size() == info.vocabulary.size(), a.name);

        // the same file claiming the features of another kind is refused
        models::ModelInfo other = info;
        other.features.kind = a.features.kind == models::FeatureKind::Lld ? models::FeatureKind::Mulaw
                                                                          : models::FeatureKind::Lld;
        models::save_model(path, *model, other);
        try {
            models::read_model_info(path);
            EXPECT_MSG(false, a.name);
        } catch (const io::FormatError& e) {
            EXPECT_MSG(std::string(e.what()).find(a.features.describe()) != std::string::npos, e.what());
            EXPECT_MSG(std::string(e.what()).find(path) != std::string::npos, e.what());
        }
    }
    // an unknown architecture in a file is refused with the known names
    nn::Context context;
    const auto& stl = models::architecture_named("stl");
    auto model = new_model(stl, context);
    io::SafetensorsWriter writer = models::model_writer(*model, info_for(stl, *model));
    writer.set_metadata("architecture", "svm");
    writer.write_atomic(test::temp_path("svm.safetensors"));
    try {
        models::read_model_info(test::temp_path("svm.safetensors"));
        EXPECT(false);
    } catch (const io::FormatError& e) {
        EXPECT_MSG(std::string(e.what()).find("known: " + models::architecture_names()) != std::string::npos,
                   e.what());
    }
}

TEST(model_file_temperature_round_trips_and_bad_ones_are_refused_n) {
    nn::Context context;
    const auto& stl = models::architecture_named("stl");
    auto model = new_model(stl, context);
    models::ModelInfo info = info_for(stl, *model);
    const std::string path = test::temp_path("calibrated.safetensors");
    models::save_model(path, *model, info); // T = 1: no metadata, reads as 1
    EXPECT(models::read_model_info(path).temperature == 1.0);
    info.temperature = 1.8125;
    models::save_model(path, *model, info);
    EXPECT_NEAR(models::read_model_info(path).temperature, 1.8125, 1e-9);
    info.temperature = -1.0;
    EXPECT_THROWS(models::save_model(path, *model, info));
    for (const char* bad : {"0", "-2", "abc", "1.5x", "", "nan", "1e9"}) {
        info.temperature = 1.0;
        io::SafetensorsWriter writer = models::model_writer(*model, info);
        writer.set_metadata("temperature", bad);
        writer.write_atomic(path);
        try {
            models::read_model_info(path);
            EXPECT_MSG(false, bad);
        } catch (const io::FormatError& e) {
            EXPECT_MSG(std::string(e.what()).find("'temperature'") != std::string::npos, e.what());
        }
    }
}

TEST(hostile_configs_are_refused_before_anything_is_built_n) {
    // A small file whose config asks for a huge network (an alstm file with fc = 1000000 took
    // 8.3 GB and 78 s before its error; a ksmm one with n_enc = 1000000 crashed in oneDNN).
    const std::vector<std::pair<std::string, nlohmann::json>> hostile = {
        {"alstm", {{"fc", 1000000}}},   {"alstm", {{"hidden", 1000000}}}, {"alstm", {{"period", 1 << 30}}},
        {"apcnn", {{"K", 1000000}}},    {"stl", {{"n_layers", 1000000}}}, {"stl", {{"rnn_hidden", 65536}}},
        {"ksmm", {{"n_enc", 1000000}}}, {"ksmm", {{"ffn", 1 << 24}}},     {"ksmm", {{"audio_len", 1 << 30}}},
    };
    for (const auto& [name, change] : hostile) {
        nn::Context context;
        const auto& a = models::architecture_named(name);
        auto model = new_model(a, context);
        io::SafetensorsWriter writer = models::model_writer(*model, info_for(a, *model));
        nlohmann::json config = model->config();
        config.update(change);
        writer.set_metadata("config", config.dump());
        const std::string path = test::temp_path("hostile-" + name + ".safetensors");
        writer.write_atomic(path);
        try {
            models::load_model(context, path, nullptr);
            EXPECT_MSG(false, change.dump());
        } catch (const io::FormatError& e) {
            EXPECT_MSG(std::string(e.what()).find("exceeds the limit") != std::string::npos, e.what());
        }
    }
}

TEST(configs_asking_more_than_the_file_holds_are_refused_n) {
    // Each width within its limit, but the network larger than the file's tensors: the loader stops
    // at the first parameter past the file's element count instead of building the whole network.
    const std::vector<std::pair<std::string, std::string>> widened = {
        {"alstm", "hidden"}, {"apcnn", "K"}, {"stl", "rnn_hidden"}, {"ksmm", "ffn"}};
    for (const auto& [name, key] : widened) {
        nn::Context context;
        const auto& a = models::architecture_named(name);
        auto model = new_model(a, context);
        io::SafetensorsWriter writer = models::model_writer(*model, info_for(a, *model));
        nlohmann::json config = model->config();
        config[key] = config.at(key).get<int>() * 4;
        writer.set_metadata("config", config.dump());
        const std::string path = test::temp_path("widened-" + name + ".safetensors");
        writer.write_atomic(path);
        try {
            models::load_model(context, path, nullptr);
            EXPECT_MSG(false, config.dump());
        } catch (const io::FormatError& e) {
            EXPECT_MSG(std::string(e.what()).find("asks for more than") != std::string::npos, e.what());
        }
    }
}

TEST(feature_kinds_round_trip_n) {
    for (auto kind : {models::FeatureKind::Lld, models::FeatureKind::Mulaw})
        EXPECT(models::parse_feature_kind(models::feature_kind_name(kind)) == kind);
    try {
        models::parse_feature_kind("mfcc");
        EXPECT(false);
    } catch (const std::invalid_argument& e) {
        EXPECT_MSG(std::string(e.what()).find("lld, mulaw") != std::string::npos, e.what());
    }
    EXPECT((models::FeatureSpec{models::FeatureKind::Lld, 16000, {36}}.describe() == "lld 36 @ 16000 Hz"));
    EXPECT((models::FeatureSpec{models::FeatureKind::Mulaw, 16000, {400, 200}}.item_size() == 80000));
}

TEST_MAIN()
