// What the emotion-eval tests share: the shipped model files, a run of the tool that returns its
// --report, and the report's uncalibrated mean NLL.
#pragma once

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_main.h"
#include "tool_run.h"

namespace emotion::test {

inline std::string shipped(const std::string& architecture) {
    return env("EMOTION_SOURCE_MODELS") + "/" + architecture + ".safetensors";
}

// emotion-eval ARGS --report REPORT: the report (null when the run failed, which fails the test).
inline nlohmann::json evaluated_report(const std::string& report, std::vector<std::string> args) {
    args.insert(args.begin(), env("EMOTION_EVAL_TOOL"));
    args.insert(args.end(), {"--report", report});
    Run r = run(args);
    EXPECT_MSG(r.status == 0, r.err);
    if (r.status != 0) return nullptr;
    return nlohmann::json::parse(std::ifstream(report), nullptr, false);
}

inline double uncalibrated_nll(const nlohmann::json& report) {
    return report.is_object() ? report["calibration"]["uncalibrated"]["nll"].get<double>() : NAN;
}

} // namespace emotion::test
