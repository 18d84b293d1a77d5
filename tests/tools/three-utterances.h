// Three EmoDB utterances of shared/reference/lld (three emotions, three speakers): the small
// manifest the tool tests evaluate on.
#pragma once

#include <fstream>
#include <string>

#include "test_main.h"

namespace emotion::test {

inline std::string reference_wav(const std::string& stem) {
    return shared_dir() + "/reference/lld/emodb_" + stem + ".wav";
}

// Writes the manifest to `path` and returns it.
inline std::string three_utterance_manifest(const std::string& path) {
    std::ofstream out(path);
    out << "path,emotion,speaker\n"
        << reference_wav("03a01Fa") << ",happy,emodb03\n"
        << reference_wav("08a02Wc") << ",angry,emodb08\n"
        << reference_wav("16b10Tb") << ",sad,emodb16\n";
    return path;
}

} // namespace emotion::test
