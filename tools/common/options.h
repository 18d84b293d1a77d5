// Command-line parsing shared by every tool: "--name value" pairs, flags, and positional
// arguments; `-h` is `--help` for a tool that has a help flag. usage_error() prints a refused
// command line the same way in every tool.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace emotion::tools {

class Options {
public:
    // Flags take no value; every other --name takes one, as "--name VALUE" or "--name=VALUE". A
    // name in `bare` may also stand alone ("--augment"), and then takes bare[name]. Up to
    // `max_positional` arguments not starting with '-' are kept in order (-1: any number).
    Options(int argc, char** argv, const std::map<std::string, std::string>& defaults,
            const std::map<std::string, bool>& flags = {},
            const std::map<std::string, std::string>& bare = {}, int max_positional = 0);
    // A reference into the options, not a copy: number() and integer() parse it in place.
    const std::string& str(const std::string& name) const { return values_.at(name); }
    // Every value given for an option that may be repeated ("--model A --model B"), in order;
    // str() is the last one.
    std::vector<std::string> all(const std::string& name) const;
    double number(const std::string& name) const;
    long integer(const std::string& name) const;
    bool flag(const std::string& name) const { return flags_.count(name) && flags_.at(name); }
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::map<std::string, std::string> values_;
    std::multimap<std::string, std::string> given_;
    std::map<std::string, bool> flags_;
    std::vector<std::string> positional_;
};

inline Options::Options(int argc, char** argv, const std::map<std::string, std::string>& defaults,
                        const std::map<std::string, bool>& flags,
                        const std::map<std::string, std::string>& bare, int max_positional)
    : values_(defaults), flags_(flags) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" && flags_.count("help")) {
            flags_["help"] = true;
            continue;
        }
        if (arg.empty() || arg[0] != '-') {
            if (max_positional >= 0 && int(positional_.size()) >= max_positional)
                throw std::invalid_argument("unexpected argument '" + arg + "'");
            positional_.push_back(arg);
            continue;
        }
        if (arg.rfind("--", 0) != 0 || arg.size() == 2) throw std::invalid_argument("unknown option " + arg);
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
            given_.emplace(name, values_[name]);
        } else {
            throw std::invalid_argument("unknown option --" + name);
        }
    }
}

inline std::vector<std::string> Options::all(const std::string& name) const {
    std::vector<std::string> values;
    auto [first, last] = given_.equal_range(name);
    for (auto it = first; it != last; ++it) values.push_back(it->second);
    return values;
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

// A refused command line: "TOOL: MESSAGE" and the usage on stderr; returns the exit status, 2.
inline int usage_error(const char* tool, const std::string& message, const std::string& usage) {
    std::fprintf(stderr, "%s: %s\n%s", tool, message.c_str(), usage.c_str());
    return 2;
}

} // namespace emotion::tools
