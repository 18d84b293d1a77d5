// Command-line parsing shared by emotion-train and emotion-eval: "--name value" pairs.
#pragma once

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

namespace emotion::tools {

class Options {
public:
    // Flags take no value; every other --name takes one, as "--name VALUE" or "--name=VALUE". A
    // name in `bare` may also stand alone ("--augment"), and then takes bare[name].
    Options(int argc, char** argv, const std::map<std::string, std::string>& defaults,
            const std::map<std::string, bool>& flags = {},
            const std::map<std::string, std::string>& bare = {});
    // A reference into the options, not a copy: number() and integer() parse it in place.
    const std::string& str(const std::string& name) const { return values_.at(name); }
    double number(const std::string& name) const;
    long integer(const std::string& name) const;
    bool flag(const std::string& name) const { return flags_.count(name) && flags_.at(name); }

private:
    std::map<std::string, std::string> values_;
    std::map<std::string, bool> flags_;
};

inline Options::Options(int argc, char** argv, const std::map<std::string, std::string>& defaults,
                        const std::map<std::string, bool>& flags,
                        const std::map<std::string, std::string>& bare)
    : values_(defaults), flags_(flags) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
        std::string name = arg.substr(2);
        const size_t equals = name.find('=');
        const bool inline_value = equals != std::string::npos;
        const std::string value = inline_value ? name.substr(equals + 1) : "";
        if (inline_value) name.erase(equals);
        if (flags_.count(name)) {
            if (inline_value) throw std::invalid_argument("--" + name + " takes no value");
            flags_[name] = true;
        } else if (values_.count(name)) {
            if (inline_value) {
                values_[name] = value;
            } else if (bare.count(name)) {
                values_[name] = bare.at(name);
            } else {
                if (i + 1 >= argc) throw std::invalid_argument("--" + name + " needs a value");
                values_[name] = argv[++i];
            }
        } else {
            throw std::invalid_argument("unknown option --" + name);
        }
    }
}

// The whole value must parse: "" and "3x" are refused, not read as 0 and 3.
inline double Options::number(const std::string& name) const {
    const std::string& text = str(name);
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end) throw std::invalid_argument("--" + name + " is not a number: " + text);
    return v;
}

inline long Options::integer(const std::string& name) const {
    const std::string& text = str(name);
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end) throw std::invalid_argument("--" + name + " is not an integer: " + text);
    return v;
}

} // namespace emotion::tools
