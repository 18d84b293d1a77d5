// Recipe text <-> Recipe, with ranges checked so a typo fails at start, not mid-epoch.
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "dsp/augment.h"
#include "dsp/setting_text.h"

namespace emotion::dsp {

namespace {

struct StepInfo {
    const char* name;
    RecipeStep Recipe::*step;
    double min, max; // allowed values
    bool ranged;     // false: the entry's value is its probability
};

constexpr StepInfo kSteps[] = {
    {"speed", &Recipe::speed, 0.5, 2.0, true},
    {"pitch", &Recipe::pitch, -12.0, 12.0, true},
    {"gain", &Recipe::gain, -40.0, 40.0, true},
    {"noise", &Recipe::noise, -10.0, 60.0, true},
    {"reverb", &Recipe::reverb, 0.05, 3.0, true},
    {"bandlimit", &Recipe::bandlimit, 500.0, 20000.0, true},
    {"telephone", &Recipe::telephone, 0.0, 1.0, false},
};

const char* const kWhat = "augmentation recipe entry";

[[noreturn]] void bad(const std::string& entry, const std::string& why) { setting_error(kWhat, entry, why); }

double number(const std::string& entry, const std::string& text) {
    return setting_number(kWhat, entry, text);
}

std::string trim(const std::string& s) {
    const size_t first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string format(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

} // namespace

Recipe Recipe::parse(const std::string& text) {
    const std::string whole = trim(text);
    if (whole.empty() || whole == "none") return Recipe();
    if (whole == "default") return parse(kDefaultRecipe);
    Recipe recipe;
    std::vector<std::string> seen;
    std::istringstream entries(whole);
    std::string entry;
    while (std::getline(entries, entry, ',')) {
        entry = trim(entry);
        const size_t equals = entry.find('=');
        if (equals == std::string::npos) bad(entry, "expected NAME=LOW:HIGH[@PROBABILITY]");
        const std::string name = trim(entry.substr(0, equals));
        std::string value = trim(entry.substr(equals + 1));
        const StepInfo* info = nullptr;
        for (const StepInfo& s : kSteps)
            if (name == s.name) info = &s;
        if (!info)
            bad(entry, "unknown transform (known: speed, pitch, gain, noise, reverb, bandlimit, telephone)");
        for (const std::string& s : seen)
            if (s == name) bad(entry, "given twice");
        seen.push_back(name);
        RecipeStep step;
        if (!info->ranged) {
            step.probability = number(entry, value);
        } else {
            step.probability = 1.0;
            const size_t at = value.find('@');
            if (at != std::string::npos) {
                step.probability = number(entry, trim(value.substr(at + 1)));
                value = trim(value.substr(0, at));
            }
            const size_t colon = value.find(':');
            step.low = number(entry, trim(value.substr(0, colon)));
            step.high = colon == std::string::npos ? step.low : number(entry, trim(value.substr(colon + 1)));
            if (step.low > step.high) bad(entry, "low end above high end");
            if (step.low < info->min || step.high > info->max)
                bad(entry, "values must lie in " + format(info->min) + ".." + format(info->max));
        }
        if (step.probability < 0.0 || step.probability > 1.0) bad(entry, "probability must lie in 0..1");
        recipe.*(info->step) = step;
    }
    return recipe;
}

std::string Recipe::to_string() const {
    std::string out;
    for (const StepInfo& s : kSteps) {
        const RecipeStep& step = this->*(s.step);
        if (step.probability <= 0.0) continue;
        out += (out.empty() ? "" : ",") + std::string(s.name) + "=";
        if (s.ranged)
            out += format(step.low) + ":" + format(step.high) + "@" + format(step.probability);
        else
            out += format(step.probability);
    }
    return out.empty() ? "none" : out;
}

bool Recipe::empty() const {
    for (const StepInfo& s : kSteps)
        if ((this->*(s.step)).probability > 0.0) return false;
    return true;
}

} // namespace emotion::dsp
