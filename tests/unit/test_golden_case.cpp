// golden::Case on synthetic reference files: the metric, tolerances, exact keep masks, the
// zero_grads rules, skips, and "neither compared nor skipped" failures.
#include <cstdio>

#include "../../tools/golden-check/golden.h"
#include "test_main.h"

using namespace emotion;

namespace {

io::SafetensorsFile make(const std::map<std::string, nn::Tensor>& tensors,
                         const std::string& zero_grads = "") {
    io::SafetensorsWriter writer;
    writer.set_metadata("kind", "test");
    writer.set_metadata("config", "{\"d\": 3}");
    if (!zero_grads.empty()) writer.set_metadata("zero_grads_json", zero_grads);
    for (const auto& kv : tensors) writer.add(kv.first, kv.second);
    auto bytes = writer.serialize();
    return io::SafetensorsFile::parse(bytes.data(), bytes.size(), "synthetic");
}

} // namespace

TEST(metric_and_tolerances) {
    auto file = make({{"out.y", nn::Tensor({4}, {1, -2, 3, 4})},
                      {"grad.in.x", nn::Tensor({2}, {10, 0})},
                      {"out.z", nn::Tensor({2}, {0, 0})}});
    golden::Case ok(file, "synthetic");
    EXPECT(ok.config().at("d") == 3);
    ok.compare("out.y", nn::Tensor({4}, {1, -2, 3, 4.0002f})); // err 5e-5 <= 1e-4
    ok.compare("grad.in.x", nn::Tensor({2}, {10.005f, 0.0f})); // err 5e-4 <= 1e-3
    ok.compare("out.z", nn::Tensor({2}, {0, 5e-5f}));          // all-zero reference: absolute
    EXPECT(ok.report());

    golden::Case bad(file, "synthetic");
    bad.compare("out.y", nn::Tensor({4}, {1, -2, 3, 4.001f})); // err 2.5e-4 > 1e-4
    bad.compare("grad.in.x", nn::Tensor({2}, {10, 0}));
    bad.compare("out.z", nn::Tensor({2}, {0, 0}));
    EXPECT(!bad.report());

    golden::Case nan(file, "synthetic");
    nan.compare("out.y", nn::Tensor({4}, {1, -2, 3, NAN}));
    nan.compare("grad.in.x", nn::Tensor({2}, {10, 0}));
    nan.compare("out.z", nn::Tensor({2}, {0, 0}));
    EXPECT(!nan.report());

    golden::Case missing(file, "synthetic"); // grad.in.x and out.z never compared
    missing.compare("out.y", nn::Tensor({4}, {1, -2, 3, 4}));
    EXPECT(!missing.report());

    golden::Case skipped(file, "synthetic");
    skipped.compare("out.y", nn::Tensor({4}, {1, -2, 3, 4}));
    skipped.compare("grad.in.x", nn::Tensor({2}, {10, 0}));
    skipped.skip("out.z", "intermediate not materialised");
    EXPECT(skipped.report());

    golden::Case wrong_size(file, "synthetic");
    wrong_size.compare("out.y", nn::Tensor({3}, {1, -2, 3}));
    wrong_size.compare("grad.in.x", nn::Tensor({2}, {10, 0}));
    wrong_size.skip("out.z", "x");
    EXPECT(!wrong_size.report());
}

TEST(keep_masks_exact) {
    auto file = make({{"out.keep.a", nn::Tensor({3}, {1, 0, 1})}});
    golden::Case exact(file, "synthetic");
    exact.compare("out.keep.a", nn::Tensor({3}, {1, 0, 1}));
    EXPECT(exact.report());
    golden::Case differs(file, "synthetic");
    differs.compare("out.keep.a", nn::Tensor({3}, {1, 1, 1}));
    EXPECT(!differs.report());
}

TEST(zero_grads_rules) {
    const std::string zero = R"({"tensors": ["grad.param.conv1.bias"],
                                 "slices": [["grad.param.att.in_proj_bias", 2, 4]]})";
    auto file = make({{"grad.param.conv1.bias", nn::Tensor({2}, {0, 0})},
                      {"grad.param.conv1.weight", nn::Tensor({2}, {2, -4})},
                      {"grad.param.att.in_proj_bias", nn::Tensor({6}, {1, 2, 0, 0, 3, 4})}},
                     zero);
    // Rounding noise up to 5e-2 * max|weight grad| = 0.2 is accepted for the conv bias; the
    // zero slice is checked by the relative metric over the whole tensor.
    golden::Case ok(file, "synthetic");
    ok.compare("grad.param.conv1.bias", nn::Tensor({2}, {0.15f, -0.1f}));
    ok.compare("grad.param.conv1.weight", nn::Tensor({2}, {2, -4}));
    ok.compare("grad.param.att.in_proj_bias", nn::Tensor({6}, {1, 2, 1e-4f, -2e-4f, 3, 4}));
    EXPECT(ok.report());

    golden::Case bad(file, "synthetic");
    bad.compare("grad.param.conv1.bias", nn::Tensor({2}, {0.3f, 0}));
    bad.compare("grad.param.conv1.weight", nn::Tensor({2}, {2, -4}));
    bad.compare("grad.param.att.in_proj_bias", nn::Tensor({6}, {1, 2, 0.1f, 0, 3, 4}));
    EXPECT(!bad.report());
}

TEST(load_params_checks_both_directions) {
    auto file = make({{"param.weight", nn::Tensor({2, 2}, {1, 2, 3, 4})},
                      {"param.bias", nn::Tensor({2}, {5, 6})},
                      {"param.rnn.u", nn::Tensor({2}, {7, 8})}});
    golden::Case c(file, "synthetic");
    nn::Parameter u({2});
    c.load_params({{"u", &u}}, "rnn");
    EXPECT(u.value[1] == 8.0f);
    nn::Parameter w({2, 2}), b({2}), wrong({4});
    EXPECT_THROWS(c.load_params({{"weight", &w}, {"bias", &b}}));  // param.rnn.u left over
    EXPECT_THROWS(c.load_params({{"weight", &wrong}}, "nothing")); // missing tensor
    nn::Parameter u_wrong({3});
    EXPECT_THROWS(c.load_params({{"u", &u_wrong}}, "rnn.")); // shape
}

TEST_MAIN()
