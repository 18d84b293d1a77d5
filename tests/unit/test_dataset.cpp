// Manifests (CSV and JSON Lines), label policies, speaker-independent splits and shuffling.
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "io/manifest.h"
#include "test_main.h"
#include "train/dataset.h"
#include "train/dataset_plan.h"
#include "train/text_pairing.h"

using namespace emotion;

TEST(csv_quoting_and_resolution) {
    auto rows = io::parse_csv_manifest("path,emotion,speaker,gender,text\n"
                                       "a.wav,angry,s1,f,\"Hello, \"\"world\"\"\"\n"
                                       "/abs/b.wav,sad,s2,m,\"two\nlines\"\n"
                                       "\n"
                                       "c.wav,,s3,,\n",
                                       "m.csv", "/data");
    EXPECT(rows.size() == 3);
    EXPECT(rows[0].path == "/data/a.wav" && rows[0].text == "Hello, \"world\"");
    EXPECT(rows[1].path == "/abs/b.wav" && rows[1].text == "two\nlines");
    EXPECT(rows[2].emotion.empty() && rows[2].speaker == "s3");
    EXPECT(rows[2].line == 6);
}

TEST(csv_columns_in_any_order) {
    auto rows = io::parse_csv_manifest("speaker,path\nx,f.wav\n", "m.csv", ".");
    EXPECT(rows.size() == 1 && rows[0].speaker == "x" && rows[0].path == "./f.wav");
}

static std::string error_of(const std::string& text, bool jsonl = false) {
    try {
        if (jsonl)
            io::parse_jsonl_manifest(text, "m", ".");
        else
            io::parse_csv_manifest(text, "m", ".");
    } catch (const io::ManifestError& e) { return e.what(); }
    return "";
}

TEST(malformed_manifests_name_the_line_n) {
    EXPECT(error_of("path,emotion\na.wav,sad\nb.wav\n") == "m:3: 1 fields, expected 2");
    EXPECT(error_of("file,emotion\na.wav,sad\n").find("no 'path' column") != std::string::npos);
    EXPECT(error_of("").find("empty manifest") != std::string::npos);
    EXPECT(error_of("path\n\"a.wav\n").find("unterminated") != std::string::npos);
    EXPECT(error_of("path,emotion\n,sad\n") == "m:2: empty path");
    EXPECT(error_of("path\n\xff\xfe.wav\n").find("UTF-8") != std::string::npos);
    EXPECT(error_of("{\"path\": \"a.wav\"}\n[1,2]\n", true) == "m:2: not a JSON object");
    EXPECT(error_of("{\"path\": 3}\n", true) == "m:1: 'path' must be a string");
    EXPECT(error_of("{\"emotion\": \"sad\"}\n", true) == "m:1: missing 'path'");
}

TEST(jsonl_manifest) {
    auto rows = io::parse_jsonl_manifest(
        "{\"path\": \"x.wav\", \"emotion\": \"happy\", \"speaker\": \"s\", \"text\": \"hi\"}\n\n"
        "{\"path\": \"y.wav\", \"gender\": null}\n",
        "m.jsonl", "/d");
    EXPECT(rows.size() == 2 && rows[0].path == "/d/x.wav" && rows[0].text == "hi" && rows[1].line == 3);
}

TEST(label_policy) {
    auto policy = train::LabelPolicy::parse("joy:happy, anger:angry", "angry,happy,neutral,sad");
    std::string mapped;
    EXPECT(policy.accepts("joy", &mapped) && mapped == "happy");
    EXPECT(policy.accepts("sad", &mapped) && mapped == "sad");
    EXPECT(!policy.accepts("bored", &mapped));
    EXPECT_THROWS(train::LabelPolicy::parse("joy", ""));
}

static std::vector<io::Utterance> corpus() {
    std::vector<io::Utterance> out;
    for (int s = 0; s < 10; ++s)
        for (int i = 0; i < 5 + s; ++i) {
            io::Utterance u;
            u.path = "f" + std::to_string(s) + "_" + std::to_string(i);
            u.speaker = "spk" + std::to_string(s);
            out.push_back(u);
        }
    return out;
}

TEST(named_speaker_splits) {
    auto utterances = corpus();
    train::SplitSettings settings;
    settings.valid_speakers = {"spk1"};
    settings.test_speakers = {"spk2", "spk3"};
    auto splits = train::assign_splits(utterances, settings);
    for (size_t i = 0; i < utterances.size(); ++i) {
        const auto& s = utterances[i].speaker;
        auto expected = s == "spk1"                    ? train::Split::Valid
                        : (s == "spk2" || s == "spk3") ? train::Split::Test
                                                       : train::Split::Train;
        EXPECT(splits[i] == expected);
    }
    settings.valid_speakers = {"nobody"};
    EXPECT_THROWS(train::assign_splits(utterances, settings));
    settings.valid_speakers = {"spk2"};
    EXPECT_THROWS(train::assign_splits(utterances, settings));
}

TEST(valid_fraction_is_drawn_by_speaker) {
    auto utterances = corpus();
    train::SplitSettings settings;
    settings.valid_fraction = 0.2;
    settings.test_speakers = {"spk9"};
    std::set<std::set<std::string>> distinct;
    for (uint64_t seed = 0; seed < 8; ++seed) {
        settings.seed = seed;
        auto splits = train::assign_splits(utterances, settings);
        EXPECT(splits == train::assign_splits(utterances, settings)); // reproducible
        std::map<std::string, std::set<train::Split>> per_speaker;
        size_t valid = 0, candidates = 0;
        std::set<std::string> valid_speakers;
        for (size_t i = 0; i < utterances.size(); ++i) {
            per_speaker[utterances[i].speaker].insert(splits[i]);
            if (splits[i] == train::Split::Valid) {
                ++valid;
                valid_speakers.insert(utterances[i].speaker);
            }
            if (utterances[i].speaker != "spk9") ++candidates;
        }
        for (const auto& entry : per_speaker) EXPECT(entry.second.size() == 1);
        EXPECT(valid >= 0.2 * candidates);
        EXPECT(!valid_speakers.count("spk9"));
        distinct.insert(valid_speakers);
    }
    EXPECT(distinct.size() > 1); // the seed matters
}

TEST(shuffle_is_a_reproducible_unbiased_permutation) {
    EXPECT(train::shuffled_order(50, 7, 3) == train::shuffled_order(50, 7, 3));
    EXPECT(train::shuffled_order(50, 7, 3) != train::shuffled_order(50, 7, 4));
    // Where element 0 lands over many epochs: chi-square against uniform over 10 positions.
    const int n = 10, trials = 20000;
    std::vector<int> counts(n, 0);
    for (int t = 0; t < trials; ++t) {
        auto order = train::shuffled_order(n, 99, t);
        std::set<size_t> seen(order.begin(), order.end());
        EXPECT(seen.size() == size_t(n));
        for (int p = 0; p < n; ++p)
            if (order[p] == 0) counts[p]++;
    }
    double chi2 = 0.0, expected = double(trials) / n;
    for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    std::printf("chi-square of position of item 0 over %d shuffles: %.2f (9 dof, p=0.001 at 27.9)\n", trials,
                chi2);
    EXPECT(chi2 < 27.9);
}

TEST(emodb_manifest) {
    std::string path = emotion::test::shared_dir() + "/data/emodb/manifest.csv";
    if (!std::ifstream(path)) {
        std::printf("SKIP: %s not present\n", path.c_str());
        return;
    }
    auto rows = io::read_manifest(path);
    EXPECT(rows.size() == 362);
    std::set<std::string> speakers;
    for (const auto& u : rows) speakers.insert(u.speaker);
    EXPECT(speakers.size() == 10);
    EXPECT(std::ifstream(rows[0].path).good());
}

TEST(jsonl_manifest_round_trip) {
    std::vector<io::Utterance> rows(2);
    rows[0] = {"/a/x.wav", "sad", "s1", "f", "Quote \" and, comma", 0};
    rows[1] = {"/b/y.wav", "", "", "", "bad \xff byte", 0};
    const std::string path = "/tmp/emotion-test-roundtrip.jsonl";
    io::write_jsonl_manifest(path, rows);
    auto back = io::read_manifest(path);
    EXPECT(back.size() == 2);
    EXPECT(back[0].path == "/a/x.wav" && back[0].text == rows[0].text && back[0].gender == "f");
    EXPECT(back[1].text == "bad \xEF\xBF\xBD byte"); // invalid UTF-8 written as U+FFFD
    // a relative path (of a manifest read from a relative folder) is written absolute: the
    // manifest in another folder still names the same file (emotion-eval --order alone)
    rows[0].path = "relative/x.wav";
    io::write_jsonl_manifest(path, rows);
    back = io::read_manifest(path);
    EXPECT_MSG(back.size() == 2 &&
                   back[0].path == std::filesystem::current_path().string() + "/relative/x.wav",
               back[0].path);
    std::remove(path.c_str());
}

TEST(text_pairing_matches_labels_without_reuse) {
    const std::vector<std::string> labels = {"angry", "happy", "sad"};
    auto policy = train::LabelPolicy::parse("joy:happy", "angry,happy,sad");
    std::vector<io::Utterance> speech;
    const char* emotions[] = {"angry", "joy", "sad", "bored", "angry", "happy", "sad", "angry"};
    for (int i = 0; i < 8; ++i)
        speech.push_back({"u" + std::to_string(i) + ".wav", emotions[i], "s", "", "old", i + 2});
    std::vector<io::LabelledText> texts;
    for (int i = 0; i < 30; ++i) texts.push_back({"sentence " + std::to_string(i), i % 3});

    train::PairingReport report;
    auto paired = train::pair_with_texts(speech, policy, texts, labels, 7, &report);
    EXPECT(paired.size() == 7 && report.dropped == 1);
    EXPECT(report.used_per_label == std::vector<int>({3, 2, 2}));
    std::set<std::string> seen;
    for (const auto& u : paired) {
        const int id = std::stoi(u.text.substr(9));
        EXPECT_MSG(labels[size_t(id % 3)] == u.emotion, u.path + ": " + u.emotion + " got " + u.text);
        EXPECT(seen.insert(u.text).second);
    }
    EXPECT(paired[1].emotion == "happy"); // the policy's mapping is applied

    auto again = train::pair_with_texts(speech, policy, texts, labels, 7, nullptr);
    auto other = train::pair_with_texts(speech, policy, texts, labels, 8, nullptr);
    bool same = true, differs = false;
    for (size_t i = 0; i < paired.size(); ++i) {
        same = same && again[i].text == paired[i].text;
        differs = differs || other[i].text != paired[i].text;
    }
    EXPECT(same && differs);

    texts.resize(4); // angry has 2 sentences left (0, 3), the manifest needs 3
    EXPECT_THROWS(train::pair_with_texts(speech, policy, texts, labels, 7, nullptr));
}

// A manifest as emodatasetsrc plays it: labels mapped and filtered, splits by speaker, the order
// of each epoch, what the learner is told, segment ids.
TEST(dataset_epochs_and_description) {
    const std::string path = "/tmp/emotion-test-dataset.csv";
    std::ofstream(path) << "path,emotion,speaker,gender,text\n"
                           "a1.wav,anger,s1,f,\nb.1.wav,joy,s2,m,\nc1.wav,sad,s3,f,\n"
                           "a2.wav,anger,s1,f,\nb2.wav,fear,s2,m,\nc2.wav,sad,s3,f,\nd1.wav,joy,s4,m,\n";
    train::DatasetSettings settings;
    settings.location = path;
    settings.label_map = "anger:angry,joy:happy";
    settings.labels = "angry,happy,sad";
    settings.valid_speakers = "s3";
    settings.test_speakers = "s4";
    settings.shuffle = true;
    settings.seed = 7;
    settings.epochs = 3;
    const train::Dataset dataset(settings);
    EXPECT(dataset.listed() == 7 && dataset.filtered() == 1 && dataset.size() == 6);
    const std::array<unsigned, 3> counts = dataset.split_counts();
    EXPECT(counts[0] == 3 && counts[1] == 2 && counts[2] == 1);

    // training first (a seeded permutation that changes between epochs), then valid, then test
    std::set<std::vector<size_t>> orders;
    for (unsigned epoch = 0; epoch < 3; ++epoch) {
        const std::vector<size_t> order = dataset.epoch_order(epoch);
        EXPECT(order.size() == 6);
        for (size_t i = 0; i < 3; ++i) EXPECT(dataset.split(order[i]) == train::Split::Train);
        EXPECT(dataset.split(order[3]) == train::Split::Valid &&
               dataset.split(order[4]) == train::Split::Valid);
        EXPECT(dataset.split(order[5]) == train::Split::Test);
        EXPECT(order == train::Dataset(settings).epoch_order(epoch)); // reproducible
        orders.insert(std::vector<size_t>(order.begin(), order.begin() + 3));
    }
    EXPECT(orders.size() > 1);

    const train::DatasetDescription d = dataset.describe();
    EXPECT((d.labels == std::vector<std::string>{"angry", "happy", "sad"}));
    EXPECT((d.speakers == std::vector<std::string>{"s1", "s2"}));
    EXPECT((d.genders == std::vector<std::string>{"f", "m"}));
    EXPECT(d.train_utterances == 3 && d.valid_utterances == 2 && d.epochs == 3 && d.dataset == path);
    EXPECT(d.protocol.find("valid-speakers=s3; test-speakers=s4") != std::string::npos);
    EXPECT(d.protocol.find("label-map=anger:angry,joy:happy") != std::string::npos);

    // ids: the file name without extension, dots replaced, the epoch when there are several
    size_t dotted = 0;
    while (dataset.utterance(dotted).path.find("b.1.wav") == std::string::npos) ++dotted;
    EXPECT(dataset.utterance_id(dotted, 2) == "b_1@2");

    settings.played = {train::Split::Test};
    settings.epochs = 1;
    settings.labels.clear(); // every label, sorted
    const train::Dataset test_only(settings);
    EXPECT(test_only.epoch_order(0).size() == 1);
    EXPECT(test_only.utterance_id(test_only.epoch_order(0)[0], 0) == "d1");
    EXPECT((test_only.describe().labels == std::vector<std::string>{"angry", "fear", "happy", "sad"}));
    std::remove(path.c_str());
}

TEST(dataset_errors_n) {
    train::DatasetSettings settings;
    settings.location = "/nonexistent/manifest.csv";
    EXPECT_THROWS(train::Dataset{settings});
    const std::string path = "/tmp/emotion-test-dataset-errors.csv";
    std::ofstream(path) << "path,emotion,speaker\na.wav,angry,s1\n";
    settings.location = path;
    settings.valid_speakers = "nobody";
    EXPECT_THROWS(train::Dataset{settings});
    settings.valid_speakers.clear();
    settings.label_map = "broken";
    EXPECT_THROWS(train::Dataset{settings});
    std::remove(path.c_str());
}

// A filter that keeps nothing, or keeps nothing of a named speaker, says so (it gave 0 results
// silently, or "not in the manifest" for a speaker that is there).
TEST(label_filters_that_keep_nothing_n) {
    const std::string path = emotion::test::temp_path("filtered.csv");
    std::ofstream(path) << "path,emotion,speaker\na.wav,angry,s1\nb.wav,sad,s2\nc.wav,happy,s2\n";
    train::DatasetSettings settings;
    settings.location = path;
    settings.labels = "neutral,boredom";
    std::string message;
    try {
        train::Dataset{settings};
    } catch (const std::invalid_argument& e) { message = e.what(); }
    EXPECT_MSG(message.find("no row of") != std::string::npos &&
                   message.find("its labels: angry, happy, sad") != std::string::npos,
               message);
    settings.labels = "sad,happy";
    settings.valid_speakers = "s1";
    message.clear();
    try {
        train::Dataset{settings};
    } catch (const std::invalid_argument& e) { message = e.what(); }
    EXPECT_MSG(message == "validation speaker 's1' has no utterance with the labels 'sad,happy'", message);
    settings.valid_speakers = "s2";
    EXPECT(train::Dataset{settings}.size() == 2);
}

TEST_MAIN()
