// emotion-train's learning curves (tools/common/plots.cpp), read back with cairo: the best epoch is
// a dashed grey line at its epoch in both panels, and only when there is one.
#include <cstdio>
#include <string>
#include <vector>

#include <glib.h>
#include <glib/gstdio.h>

#include "../../tools/common/plots.h"
#include "png_pixels.h"
#include "test_main.h"

namespace {

std::vector<emotion::pipelines::EpochRecord> six_epochs() {
    std::vector<emotion::pipelines::EpochRecord> epochs;
    for (int e = 0; e < 6; ++e) {
        emotion::pipelines::EpochRecord r;
        r.epoch = e;
        r.train_emotion_loss = 1.3 - 0.15 * e;
        r.train_loss = r.train_emotion_loss + 0.8; // auxiliary tasks
        r.train_accuracy = 0.4 + 0.08 * e;
        r.has_validation = true;
        r.valid_loss = 1.2 - 0.05 * e;
        r.wa = r.ua = 0.35 + 0.05 * e;
        epochs.push_back(r);
    }
    return epochs;
}

// Pixels of the best-epoch line's grey (0.35) in the column of epoch index `i` of a panel at x0.
int grey_pixels(const emotion::test::PngPixels& png, double x0, int i) {
    const double x = std::floor(x0 + i / 5.0 * 380); // the pixel the line centres on (six epochs over 380 px)
    int count = 0;
    for (int y = 62; y < 358; ++y) {
        const auto c = png.rgb(x, y);
        if (std::abs(c[0] - 89) < 12 && std::abs(c[1] - 89) < 12 && std::abs(c[2] - 89) < 12) ++count;
    }
    return count;
}

std::string temp_png(const char* name) {
    gchar* path = g_build_filename(g_get_tmp_dir(), name, NULL);
    std::string p = path;
    g_free(path);
    return p;
}

} // namespace

TEST(best_epoch_is_marked_in_both_panels) {
    const std::string path = temp_png("emotion-test-curves.png");
    emotion::tools::plot_learning_curves(path, six_epochs(), "test", 2);
    emotion::test::PngPixels png(path);
    for (double x0 : {70.0, 570.0}) {
        const int at_best = grey_pixels(png, x0, 2), elsewhere = grey_pixels(png, x0, 4);
        std::printf("panel at x %.0f: %d grey pixels at the best epoch, %d at epoch 5\n", x0, at_best,
                    elsewhere);
        EXPECT(at_best > 100); // dashes 5 on, 4 off over 296 px
        EXPECT(elsewhere < 10);
    }
    g_remove(path.c_str());
}

TEST(no_best_epoch_no_line) {
    const std::string path = temp_png("emotion-test-curves-none.png");
    emotion::tools::plot_learning_curves(path, six_epochs(), "test", -1);
    emotion::test::PngPixels png(path);
    for (int i = 0; i < 6; ++i) EXPECT(grey_pixels(png, 70.0, i) < 10);
    g_remove(path.c_str());
}

TEST_MAIN()
