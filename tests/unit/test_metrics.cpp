// Metrics against hand-computed values (and scikit-learn's, for the same confusion matrix).
#include "test_main.h"
#include "train/metrics.h"

using emotion::train::ConfusionMatrix;

TEST(known_confusion_matrix) {
    // truth rows: angry 10 (8 right, 2 -> happy), happy 5 (3 right, 2 -> angry), sad 5 (all right)
    ConfusionMatrix m({"angry", "happy", "sad"});
    m.add(0, 0, 8);
    m.add(0, 1, 2);
    m.add(1, 1, 3);
    m.add(1, 0, 2);
    m.add(2, 2, 5);
    EXPECT(m.total() == 20);
    EXPECT_NEAR(m.weighted_accuracy(), 16.0 / 20.0, 1e-12);
    EXPECT_NEAR(m.unweighted_accuracy(), (0.8 + 0.6 + 1.0) / 3.0, 1e-12);
    // precision: angry 8/10, happy 3/5, sad 5/5
    EXPECT_NEAR(m.macro_precision(), (0.8 + 0.6 + 1.0) / 3.0, 1e-12);
    // F1: angry 0.8, happy 0.6, sad 1.0 (precision == recall per class here)
    EXPECT_NEAR(m.macro_f1(), 0.8, 1e-12);
}

TEST(asymmetric_precision_and_recall) {
    ConfusionMatrix m({"a", "b"});
    m.add(0, 0, 9);
    m.add(0, 1, 1);
    m.add(1, 0, 5);
    m.add(1, 1, 5);
    // recall a 0.9, b 0.5; precision a 9/14, b 5/6 (sklearn: f1 macro 0.6875)
    EXPECT_NEAR(m.unweighted_accuracy(), 0.7, 1e-12);
    EXPECT_NEAR(m.macro_precision(), (9.0 / 14.0 + 5.0 / 6.0) / 2.0, 1e-12);
    double f1a = 2 * (9.0 / 14.0) * 0.9 / (9.0 / 14.0 + 0.9);
    double f1b = 2 * (5.0 / 6.0) * 0.5 / (5.0 / 6.0 + 0.5);
    EXPECT_NEAR(m.macro_f1(), (f1a + f1b) / 2.0, 1e-12);
    EXPECT_NEAR(m.macro_f1(), 0.6875, 1e-4);
}

TEST(classes_without_support_do_not_count_in_ua) {
    // A constant classifier on data with two of three classes: UA is the mean over present ones.
    ConfusionMatrix m({"angry", "happy", "sad"});
    m.add(0, 0, 6);
    m.add(2, 0, 4);
    EXPECT_NEAR(m.unweighted_accuracy(), 0.5, 1e-12);
    EXPECT_NEAR(m.weighted_accuracy(), 0.6, 1e-12);
    // happy never occurs nor is predicted: macro F1 over angry (0.75) and sad (0)
    EXPECT_NEAR(m.macro_f1(), (2 * 0.6 * 1.0 / 1.6) / 2.0, 1e-12);
}

TEST(merge_and_json) {
    ConfusionMatrix a({"x", "y"}), b({"x", "y"});
    a.add(0, 0);
    b.add(1, 0);
    a.merge(b);
    EXPECT(a.count(1, 0) == 1 && a.total() == 2);
    auto j = a.to_json();
    EXPECT(j["matrix"][1][0] == 1);
    EXPECT(j["support"]["y"] == 1);
    EXPECT_NEAR(j["ua"].get<double>(), 0.5, 1e-12);
    ConfusionMatrix other({"x", "z"});
    EXPECT_THROWS(a.merge(other));
    EXPECT_THROWS(a.add(2, 0));
}

TEST(empty_matrix_is_zero_not_nan) {
    ConfusionMatrix m({"a", "b"});
    EXPECT(m.weighted_accuracy() == 0.0 && m.unweighted_accuracy() == 0.0 && m.macro_f1() == 0.0);
}

TEST_MAIN()
