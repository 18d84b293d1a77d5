// The shipped models give the same outputs as when their expected values were recorded
// (tests/data/shipped-model-outputs.json): a refactoring of features, layers, models or loading
// that changes any bit of a result fails here. The input is one EmoDB utterance of the reference
// folder, through the core's own feature extraction; every model runs with one thread.
//
// oneDNN and FFTW choose kernels by CPU: on the instruction set the values were recorded on they
// must be bit-identical; on another one, within 1e-5 (and the test says so).
//
// Recording (only when a model or a feature definition changes on purpose):
//   build/tests/unit_shipped_models --record
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>
#include <nlohmann/json.hpp>

#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "io/wav.h"
#include "models/classifier.h"
#include "text/vocabulary.h"
#include "test_main.h"

using namespace emotion;

namespace {

const char* kUtterance = "/reference/lld/emodb_08a02Wc.wav";
const char* kSentence = "I cannot believe you did this to me again!";

std::string source_dir() {
    const char* dir = std::getenv("EMOTION_SOURCE_DIR");
    return dir ? dir : ".";
}

std::string expected_path() { return source_dir() + "/tests/data/shipped-model-outputs.json"; }

std::string cpu_isa() {
    // the enum's name is enough to tell machines apart
    return std::to_string(static_cast<int>(dnnl::get_effective_cpu_isa()));
}

struct Inputs {
    std::vector<float> lld; // [frames, 36]
    int frames = 0;
    std::vector<std::vector<float>> mulaw;
};

Inputs read_inputs() {
    io::WavAudio audio = io::read_wav(test::shared_dir() + kUtterance);
    if (audio.sample_rate != dsp::kSampleRate) throw std::runtime_error("reference utterance is not 16 kHz");
    Inputs in;
    dsp::LldStream stream;
    in.frames = static_cast<int>(stream.push(audio.samples.data(), audio.samples.size(), in.lld));
    in.mulaw = dsp::mulaw_segments(audio.samples.data(), audio.samples.size());
    return in;
}

// Every output of every shipped model on the inputs, by name.
std::map<std::string, std::vector<float>> run_models(const Inputs& in) {
    const std::string models = source_dir() + "/models/";
    std::map<std::string, std::vector<float>> out;
    for (const char* name : {"alstm", "stl"}) {
        models::Classifier c(models + name + ".safetensors", 1);
        out[name] = c.classify_frames(in.lld.data(), in.frames);
    }
    {
        models::Classifier c(models + "apcnn.safetensors", 1);
        std::vector<const float*> parts;
        for (const auto& s : in.mulaw) parts.push_back(s.data());
        out["apcnn"] = c.classify_segments(parts);
    }
    {
        models::Classifier c(models + "ksmm.safetensors", 1);
        text::Vocabulary vocabulary(c.info().vocabulary);
        const size_t text_len = c.info().config.value("text_len", 20);
        out["ksmm_text"] =
            c.classify_multimodal(in.lld.data(), in.frames, vocabulary.ids(kSentence, text_len));
        out["ksmm_masked"] = c.classify_frames(in.lld.data(), in.frames);
    }
    return out;
}

} // namespace

TEST(outputs_match_the_recorded_ones) {
    std::ifstream file(expected_path());
    EXPECT_MSG(file.good(), "cannot read " + expected_path());
    if (!file.good()) return;
    const nlohmann::json expected = nlohmann::json::parse(file);
    const bool same_isa = expected.at("cpu_isa").get<std::string>() == cpu_isa();
    if (!same_isa)
        std::printf("recorded on oneDNN ISA %s, this machine is %s: comparing within 1e-5\n",
                    expected.at("cpu_isa").get<std::string>().c_str(), cpu_isa().c_str());

    const auto outputs = run_models(read_inputs());
    EXPECT(expected.at("outputs").size() == outputs.size());
    for (const auto& [name, values] : outputs) {
        const auto want = expected.at("outputs").at(name).get<std::vector<float>>();
        EXPECT_MSG(want.size() == values.size(), name + ": " + std::to_string(values.size()) +
                                                     " scores, recorded " + std::to_string(want.size()));
        if (want.size() != values.size()) continue;
        double worst = 0.0;
        int differing_bits = 0;
        for (size_t i = 0; i < values.size(); ++i) {
            worst = std::max(worst, std::fabs(double(values[i]) - want[i]));
            differing_bits += std::memcmp(&values[i], &want[i], sizeof(float)) != 0;
        }
        std::printf("%-12s largest difference %.3g, %d of %zu scores not bit-identical\n", name.c_str(),
                    worst, differing_bits, values.size());
        if (same_isa)
            EXPECT_MSG(differing_bits == 0, name + " differs from the recorded output");
        else
            EXPECT_MSG(worst <= 1e-5, name + " differs from the recorded output");
    }
}

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--record") == 0) {
        nlohmann::json record = {{"utterance", kUtterance}, {"sentence", kSentence}, {"cpu_isa", cpu_isa()}};
        for (const auto& [name, values] : run_models(read_inputs())) record["outputs"][name] = values;
        std::ofstream(expected_path()) << record.dump(1) << "\n";
        std::printf("wrote %s\n", expected_path().c_str());
        return 0;
    }
    return test::run_all(argc, argv);
}
