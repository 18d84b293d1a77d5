/* mode=train through real pipelines on EmoDB (emodatasetsrc ! lldextract ! alstmclassify):
 * a short speaker-independent run that must reach a stated accuracy on held-out speakers,
 * checkpoints that resume a stopped run exactly where the uninterrupted run would be, resumption
 * also with augmentation and feature masks, resumption refused for another run's checkpoint, a killed
 * emotion-train that always leaves a loadable model, the errors of unusable training settings, and
 * progress messages while the pipeline plays, ksmmtransformer learning from the transcripts of
 * emodatasetsrc's text pad. Needs shared/data/emodb (skips with a message when absent). */
#include "test_emotion_common.h"

#include <signal.h>
#include <sys/wait.h>

#include <cmath>

#include <fstream>

#include "models/model_file.h"
#include "nn/rng.h"
#include "text/embedding_table.h"
#include "train/checkpoint.h"

using namespace emotion_test;
using namespace emotion;

/* The easy task: angry against sad, which differ strongly in arousal. Six training speakers,
 * two validation speakers, two test speakers never seen in training. */
static const char* kSplit = "labels=angry,sad valid-speakers=emodb08,emodb09 "
                            "test-speakers=emodb03,emodb10";

static std::string dataset(const std::string& extra) {
    return "emodatasetsrc location=\"" + emodb("manifest.csv") + "\" " + kSplit + " " + extra;
}

static std::string train_pipeline(const std::string& out, int epochs, const std::string& extra = "") {
    return dataset("epochs=" + std::to_string(epochs) + " shuffle=true seed=3") +
           " ! lldextract ! alstmclassify mode=train threads=1 seed=5 patience=0 model-location=\"" + out +
           "\" " + extra + " ! fakesink sync=false";
}

/* Training runs on EmoDB take minutes. */
static void run_training(const std::string& description, Run* run) {
    run_launch(description, run, 300 * GST_SECOND);
}

static double number(const GstStructure* s, const char* name) {
    double v = NAN;
    fail_unless(gst_structure_get_double(s, name, &v), "no '%s' in %s", name, gst_structure_get_name(s));
    return v;
}

/* The 0-based index of a message's epoch (messages count from 1). */
static guint epoch_of(const GstStructure* s) {
    guint epoch = 0;
    fail_unless(gst_structure_get_uint(s, "epoch", &epoch));
    fail_unless(epoch >= 1, "epoch %u: messages count from 1", epoch);
    return epoch - 1;
}

/* Largest absolute difference between the parameters of two model files. */
static double max_weight_difference(const std::string& a, const std::string& b) {
    nn::Context ca, cb;
    auto ma = models::load_model(ca, a, NULL);
    auto mb = models::load_model(cb, b, NULL);
    auto ta = ma->parameters(), tb = mb->parameters();
    fail_unless_equals_int(ta.size(), tb.size());
    double worst = 0.0;
    for (size_t i = 0; i < ta.size(); i++) {
        const nn::Tensor &x = ta[i].parameter->value, &y = tb[i].parameter->value;
        fail_unless_equals_int(x.size(), y.size());
        for (int64_t k = 0; k < x.size(); k++) worst = std::max(worst, (double)std::fabs(x[k] - y[k]));
    }
    return worst;
}

static bool loads_as_model(const std::string& path, std::string* why) {
    try {
        nn::Context context;
        models::load_model(context, path, NULL);
        return true;
    } catch (const std::exception& e) {
        *why = e.what();
        return false;
    }
}

GST_START_TEST(test_train_reaches_accuracy) {
    if (!have_emodb("test_train_reaches_accuracy")) return;
    const std::string out = temp_path("angry-sad.safetensors");
    Run run;
    run_training(train_pipeline(out, 10), &run);
    fail_unless(run.error.empty(), "%s", run.error.c_str());
    auto epochs = run.named("emotion-training");
    fail_unless_equals_int(epochs.size(), 10);
    fail_unless(!run.named("emotion-training-progress").empty());
    for (const GstStructure* s : epochs)
        printf("epoch %u: train loss %.4f acc %.3f, valid UA %.3f\n", epoch_of(s), number(s, "train-loss"),
               number(s, "train-accuracy"), number(s, "ua"));
    /* learning happened: the loss falls */
    fail_unless(number(epochs.back(), "train-loss") < 0.8 * number(epochs.front(), "train-loss"));
    auto done = run.named("emotion-training-done");
    fail_unless_equals_int(done.size(), 1);
    const double best_ua = number(done[0], "best-ua");
    printf("best validation UA %.3f (emodb08, emodb09)\n", best_ua);
    fail_unless(best_ua >= 0.85, "validation UA %.3f below 0.85", best_ua);

    /* The stated accuracy, on speakers the training never saw. */
    Run eval;
    run_training(dataset("split=test") + " ! lldextract ! alstmclassify model=\"" + out + "\" ! emotionsink",
                 &eval);
    fail_unless(eval.error.empty(), "%s", eval.error.c_str());
    auto reports = eval.named("emotion-evaluation");
    fail_unless_equals_int(reports.size(), 1);
    auto report = nlohmann::json::parse(gst_structure_get_string(reports[0], "report"));
    const double ua = report.at("ua").get<double>(), wa = report.at("wa").get<double>();
    printf("held-out speakers emodb03, emodb10: WA %.3f UA %.3f over %d utterances\n", wa, ua,
           report.at("total").get<int>());
    fail_unless(ua >= 0.85, "test UA %.3f below the stated 0.85", ua);

    /* The model file records data, protocol, settings and metrics. */
    auto file = io::SafetensorsFile::read(out);
    models::ModelInfo info = models::read_model_info(file);
    fail_unless(info.labels == std::vector<std::string>({"angry", "sad"}));
    fail_unless(info.training.at("data").get<std::string>().find("manifest.csv") != std::string::npos);
    fail_unless(info.training.at("protocol").get<std::string>().find("emodb08") != std::string::npos);
    fail_unless_equals_int(info.training.at("settings").at("batch_size").get<int>(), 32);
    fail_unless(info.metrics.at("validation").at("ua").get<double>() == best_ua);
    /* and the checkpoint of the last epoch is a loadable model too */
    std::string why;
    fail_unless(loads_as_model(train::checkpoint_path(out), &why), "%s", why.c_str());
}

GST_END_TEST;

/* Stops a training run (state NULL, as a crash would) once epoch `after` has been reported. */
static void run_until_epoch(const std::string& description, guint after) {
    GstElement* pipeline = launch(description);
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    bool stopped = false;
    while (!stopped) {
        GstMessage* m = gst_bus_timed_pop_filtered(
            bus, test_wait(300 * GST_SECOND),
            (GstMessageType)(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
        fail_unless(m != NULL, "timeout");
        fail_unless(GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT, "the run ended before epoch %u", after);
        const GstStructure* s = gst_message_get_structure(m);
        stopped = gst_structure_has_name(s, "emotion-training") && epoch_of(s) >= after;
        gst_message_unref(m);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
}

GST_START_TEST(test_resume_continues_exactly) {
    if (!have_emodb("test_resume_continues_exactly")) return;
    const std::string whole = temp_path("whole.safetensors");
    const std::string resumed = temp_path("resumed.safetensors");
    Run uninterrupted;
    run_training(train_pipeline(whole, 4), &uninterrupted);
    fail_unless(uninterrupted.error.empty(), "%s", uninterrupted.error.c_str());

    run_until_epoch(train_pipeline(resumed, 4), 1);
    Run rest;
    run_training(train_pipeline(resumed, 4, "resume=true"), &rest);
    fail_unless(rest.error.empty(), "%s", rest.error.c_str());
    auto after = rest.named("emotion-training");
    fail_unless(!after.empty() && epoch_of(after.front()) >= 2,
                "the resumed run trained the epochs already done again");
    fail_unless_equals_int(epoch_of(after.back()), 3);

    /* the resumed epochs are those of the uninterrupted run: same data order, optimiser state,
     * learning rate and dropout masks */
    auto reference = uninterrupted.named("emotion-training");
    for (const GstStructure* s : after) {
        const GstStructure* same = reference[epoch_of(s)];
        printf("epoch %u: train loss %.6f resumed, %.6f uninterrupted; valid UA %.3f / %.3f\n", epoch_of(s),
               number(s, "train-loss"), number(same, "train-loss"), number(s, "ua"), number(same, "ua"));
        fail_unless(std::fabs(number(s, "train-loss") - number(same, "train-loss")) < 1e-5);
        fail_unless(number(s, "ua") == number(same, "ua"));
    }
    const double diff = max_weight_difference(train::checkpoint_path(whole), train::checkpoint_path(resumed));
    printf("largest weight difference, resumed vs uninterrupted: %g\n", diff);
    fail_unless(diff < 1e-5);
    auto done = rest.named("emotion-training-done");
    fail_unless_equals_int(done.size(), 1);
    fail_unless(number(done[0], "best-ua") ==
                number(uninterrupted.named("emotion-training-done")[0], "best-ua"));
}

GST_END_TEST;

/* the same with augmentation (emoaugment) and feature masks: their draws depend on (seed, epoch,
 * utterance or example) only, so the resumed epochs are still those of the uninterrupted run */
GST_START_TEST(test_resume_with_augmentation_continues_exactly) {
    if (!have_emodb("test_resume_with_augmentation_continues_exactly")) return;
    auto pipeline = [](const std::string& out, const std::string& extra) {
        std::string description = train_pipeline(out, 3, "feature-masks=time=2:0.1,feature=2:4 " + extra);
        description.replace(description.find(" ! lldextract"), 13,
                            " ! emoaugment recipe=\"speed=0.9:1.1@0.5,noise=5:20@0.5,reverb=0.2:0.6@0.3\" "
                            "! lldextract");
        return description;
    };
    const std::string whole = temp_path("aug-whole.safetensors"),
                      resumed = temp_path("aug-resumed.safetensors");
    Run uninterrupted;
    run_training(pipeline(whole, ""), &uninterrupted);
    fail_unless(uninterrupted.error.empty(), "%s", uninterrupted.error.c_str());
    run_until_epoch(pipeline(resumed, ""), 1);
    Run rest;
    run_training(pipeline(resumed, "resume=true"), &rest);
    fail_unless(rest.error.empty(), "%s", rest.error.c_str());
    auto after = rest.named("emotion-training");
    fail_unless(!after.empty() && epoch_of(after.front()) >= 2);
    auto reference = uninterrupted.named("emotion-training");
    for (const GstStructure* s : after) {
        const GstStructure* same = reference[epoch_of(s)];
        printf("augmented epoch %u: train loss %.6f resumed, %.6f uninterrupted\n", epoch_of(s),
               number(s, "train-loss"), number(same, "train-loss"));
        fail_unless(std::fabs(number(s, "train-loss") - number(same, "train-loss")) < 1e-5);
    }
    const double diff = max_weight_difference(train::checkpoint_path(whole), train::checkpoint_path(resumed));
    printf("augmented: largest weight difference, resumed vs uninterrupted: %g\n", diff);
    fail_unless(diff < 1e-5);
}

GST_END_TEST;

GST_START_TEST(test_resume_other_run_n) {
    if (!have_emodb("test_resume_other_run_n")) return;
    const std::string out = temp_path("other.safetensors");
    run_until_epoch(train_pipeline(out, 3), 0);

    Run other_settings;
    run_training(train_pipeline(out, 3, "resume=true learning-rate=0.01"), &other_settings);
    fail_unless(other_settings.error.find("other training settings") != std::string::npos, "%s",
                other_settings.error.c_str());

    Run other_labels;
    std::string description = train_pipeline(out, 3, "resume=true");
    description.replace(description.find("labels=angry,sad"), 16, "labels=angry,happy,sad");
    run_training(description, &other_labels);
    fail_unless(other_labels.error.find("labels") != std::string::npos, "%s", other_labels.error.c_str());

    /* a damaged checkpoint is an error that says how to start afresh */
    g_file_set_contents(train::checkpoint_path(out).c_str(), "garbage", 7, NULL);
    Run damaged;
    run_training(train_pipeline(out, 3, "resume=true"), &damaged);
    fail_unless(damaged.error.find("Cannot resume") != std::string::npos, "%s", damaged.error.c_str());
    fail_unless(damaged.error.find("delete the checkpoint") != std::string::npos);

    /* without a checkpoint, resume=true starts afresh */
    g_unlink(train::checkpoint_path(out).c_str());
    Run fresh;
    run_training(train_pipeline(out, 1, "resume=true"), &fresh);
    fail_unless(fresh.error.empty(), "%s", fresh.error.c_str());
    fail_unless_equals_int(fresh.named("emotion-training").size(), 1);
}

GST_END_TEST;

/* emotion-train killed (SIGKILL) at arbitrary moments after an epoch ended (while the next
 * epoch trains, or while the model and checkpoint are being written): the model file is always
 * a complete model (the previous one or a newer one), and --resume finishes the run. */
GST_START_TEST(test_killed_training_keeps_model) {
    if (!have_emodb("test_killed_training_keeps_model")) return;
    const char* tool = g_getenv("EMOTION_TRAIN_TOOL");
    fail_unless(tool != NULL, "EMOTION_TRAIN_TOOL is not set (tests/meson.build sets it)");
    const std::string out = temp_path("killed.safetensors");
    const std::string previous = model_file("model_alstm");
    gchar* bytes = NULL;
    gsize length = 0;
    fail_unless(g_file_get_contents(previous.c_str(), &bytes, &length, NULL));
    fail_unless(g_file_set_contents(out.c_str(), bytes, length, NULL));
    g_free(bytes);

    const std::string manifest = emodb("manifest.csv");
    std::vector<const gchar*> argv = {tool,
                                      "--manifest",
                                      manifest.c_str(),
                                      "--arch",
                                      "alstm",
                                      "--out",
                                      out.c_str(),
                                      "--labels",
                                      "angry,sad",
                                      "--valid-speakers",
                                      "emodb08,emodb09",
                                      "--test-speakers",
                                      "emodb03,emodb10",
                                      "--epochs",
                                      "6",
                                      "--patience",
                                      "0",
                                      "--seed",
                                      "3",
                                      "--resume"};
    std::vector<const gchar*> args = argv;
    args.push_back(NULL);
    std::string why;
    GRand* rand = g_rand_new_with_seed(7);
    for (int attempt = 0; attempt < 3; attempt++) {
        GPid pid;
        gint out_fd = -1;
        fail_unless(g_spawn_async_with_pipes(NULL, (gchar**)args.data(), NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                             NULL, NULL, &pid, NULL, &out_fd, NULL, NULL));
        FILE* lines = fdopen(out_fd, "r");
        char line[512];
        bool epoch_ended = false;
        while (!epoch_ended && fgets(line, sizeof line, lines))
            epoch_ended = g_str_has_prefix(line, "epoch ");
        fail_unless(epoch_ended, "emotion-train ended before an epoch");
        printf("kill %d, up to %d ms after: %s", attempt, 1500, line);
        g_usleep((gulong)g_rand_int_range(rand, 0, 1500) * 1000);
        kill(pid, SIGKILL);
        fclose(lines);
        int status = 0;
        waitpid(pid, &status, 0);
        g_spawn_close_pid(pid);
        fail_unless(loads_as_model(out, &why), "after kill %d: %s", attempt, why.c_str());
        if (g_file_test(train::checkpoint_path(out).c_str(), G_FILE_TEST_EXISTS))
            fail_unless(loads_as_model(train::checkpoint_path(out), &why), "%s", why.c_str());
    }
    g_rand_free(rand);

    /* the interrupted run completes, with plain progress lines and plots */
    gchar* output = NULL;
    gint status = -1;
    fail_unless(g_spawn_sync(NULL, (gchar**)args.data(), NULL, G_SPAWN_DEFAULT, NULL, NULL, &output, NULL,
                             &status, NULL));
    fail_unless(g_spawn_check_wait_status(status, NULL), "%s", output);
    printf("%s", output);
    fail_unless(strstr(output, "epoch 6/6") != NULL);
    fail_unless(strstr(output, "epoch 1/6") == NULL, "the resumed run started again");
    g_free(output);
    nn::Context context;
    models::ModelInfo info;
    models::load_model(context, out, &info);
    fail_unless(info.labels == std::vector<std::string>({"angry", "sad"}));
    fail_unless(info.training.at("epochs_run").get<int>() >= 1);
    fail_unless(loads_as_model(train::checkpoint_path(out), &why), "%s", why.c_str());
    std::string curves = read_text(temp_path("killed-curves.png"));
    fail_unless(curves.compare(0, 4, "\x89PNG") == 0, "no learning-curve plot");
}

GST_END_TEST;

GST_START_TEST(test_unusable_settings_n) {
    if (!have_emodb("test_unusable_settings_n")) return;
    const std::string source = dataset("epochs=1") + " ! lldextract ! alstmclassify mode=train ";
    Run no_location;
    run_training(source + "! fakesink", &no_location);
    fail_unless(no_location.error.find("model-location") != std::string::npos, "%s",
                no_location.error.c_str());

    Run no_folder;
    run_training(source + "model-location=/nonexistent/m.safetensors ! fakesink", &no_folder);
    fail_unless(no_folder.error.find("/nonexistent") != std::string::npos, "%s", no_folder.error.c_str());

    Run one_class;
    std::string description = source + "model-location=\"" + temp_path("one.safetensors") + "\" ! fakesink";
    description.replace(description.find("labels=angry,sad"), 16, "labels=angry");
    run_training(description, &one_class);
    fail_unless(one_class.error.find("fewer than two") != std::string::npos, "%s", one_class.error.c_str());

    Run bad_config;
    run_training(source + "config=\"[1]\" model-location=\"" + temp_path("c.safetensors") + "\" ! fakesink",
                 &bad_config);
    fail_unless(bad_config.error.find("JSON object") != std::string::npos, "%s", bad_config.error.c_str());

    Run bad_masks;
    run_training(source + "feature-masks=time=2 model-location=\"" + temp_path("f.safetensors") +
                     "\" ! fakesink",
                 &bad_masks);
    fail_unless(bad_masks.error.find("feature masks 'time=2'") != std::string::npos, "%s",
                bad_masks.error.c_str());
}

GST_END_TEST;

/* ksmmtransformer mode=train with emodatasetsrc's text pad. Every audio file appears once as
 * "happy" and once as "sad", so only the transcripts tell the classes apart: happy rows say words
 * whose (hand-made) vectors point one way, sad rows words pointing the other way. Validation
 * speakers have their own rows. The model must learn through the text path. */
/* ksmm's task where only the text tells: 32 neutral EmoDB recordings, each as happy and as sad
 * with matching sentences of hand-made word vectors; speakers s0..s7 (s6, s7: validation).
 * Returns the manifest; *vectors is the word table. */
static std::string ksmm_text_task(std::string* vectors_path) {
    const std::vector<std::string> happy = {"joy",   "wonderful", "love",  "delighted",
                                            "smile", "laugh",     "great", "glad"};
    const std::vector<std::string> sad = {"grief", "miserable", "tears", "sorrow",
                                          "pain",  "lonely",    "cry",   "gloomy"};
    const std::vector<std::string> neutral = {"the", "a", "table", "today", "was", "it"};
    text::EmbeddingTable table;
    table.words = {""};
    for (const auto* group : {&happy, &sad, &neutral})
        table.words.insert(table.words.end(), group->begin(), group->end());
    const int dims = 8;
    table.vectors.resize({(int64_t)table.words.size(), dims});
    table.vectors.zero();
    nn::Rng rng(21);
    for (size_t w = 1; w < table.words.size(); w++) {
        const float direction = w <= happy.size() ? 1.0f : w <= happy.size() + sad.size() ? -1.0f : 0.0f;
        table.vectors[w * dims] = direction;
        for (int d = 1; d < dims; d++) table.vectors[w * dims + d] = rng.normal(0.0f, 0.3f);
    }
    table.source = {{"test", "hand-made vectors"}};
    *vectors_path = temp_path("ksmm-words.safetensors");
    text::write_embedding_table(*vectors_path, table);

    std::ifstream in(emodb("manifest.csv"));
    std::vector<std::string> wavs;
    for (std::string line; std::getline(in, line) && wavs.size() < 32;)
        if (line.find(",neutral,") != std::string::npos)
            wavs.push_back(emodb(line.substr(0, line.find(','))));
    fail_unless_equals_int(wavs.size(), 32);
    auto sentence = [&](const std::vector<std::string>& words) {
        std::string text;
        for (int i = 0; i < 4; i++)
            text += (i ? " " : "") + words[rng.next() % words.size()] + " " +
                    neutral[rng.next() % neutral.size()];
        return text;
    };
    const std::string manifest = temp_path("ksmm-text.csv");
    std::ofstream out(manifest);
    out << "path,emotion,speaker,gender,text\n";
    for (size_t i = 0; i < wavs.size(); i++)
        for (const char* label : {"happy", "sad"})
            out << wavs[i] << "," << label << ",s" << i / 4 << ",m,"
                << sentence(label[0] == 'h' ? happy : sad) << "\n";
    out.close();

    return manifest;
}

GST_START_TEST(test_ksmm_learns_from_text) {
    if (!have_emodb("test_ksmm_learns_from_text")) return;
    std::string vectors;
    const std::string manifest = ksmm_text_task(&vectors);
    const std::string model = temp_path("ksmm-text-model.safetensors");
    Run run;
    run_training(
        "emodatasetsrc name=data location=\"" + manifest +
            "\" valid-speakers=s6,s7 "
            "epochs=6 shuffle=true seed=2 ! lldextract ! ksmmtransformer name=m mode=train threads=1 "
            "word-vectors=\"" +
            vectors +
            "\" optimizer=adam learning-rate=0.001 schedule=none "
            "batch-size=8 patience=0 model-location=\"" +
            model +
            "\" ! fakesink sync=false "
            "data.text ! queue ! m.text",
        &run);
    fail_unless(run.error.empty(), "%s", run.error.c_str());
    auto epochs = run.named("emotion-training");
    fail_unless_equals_int(epochs.size(), 6);
    for (const GstStructure* s : epochs)
        printf("ksmm epoch %u: train loss %.4f acc %.3f, valid UA %.3f\n", epoch_of(s),
               number(s, "train-loss"), number(s, "train-accuracy"), number(s, "ua"));
    auto done = run.named("emotion-training-done");
    fail_unless_equals_int(done.size(), 1);
    const double best_ua = number(done[0], "best-ua");
    printf("ksmm from text alone: best validation UA %.3f (chance 0.5)\n", best_ua);
    fail_unless(best_ua >= 0.9, "validation UA %.3f below 0.9", best_ua);

    nn::Context context;
    models::ModelInfo info;
    auto trained = models::load_model(context, model, &info);
    fail_unless(info.architecture == "ksmm");
    fail_unless(info.vocabulary == text::read_embedding_table(vectors).words);
    fail_unless(info.labels == std::vector<std::string>({"happy", "sad"}));
}

GST_END_TEST;

/* The pipeline reaches PLAYING while it trains (the classifier lets the sink preroll), and
 * progress messages, which gst-launch-1.0 prints without -m, say where it is: start, one line
 * per epoch counted from 1, complete. */
GST_START_TEST(test_progress_while_playing) {
    if (!have_emodb("test_progress_while_playing")) return;
    const TrainingProgress p = play_training(train_pipeline(temp_path("progress.safetensors"), 2));
    fail_unless(p.playing_before_first_epoch, "the first epoch ended before the pipeline was PLAYING");
    const auto& progress = p.messages;
    fail_unless_equals_int((int)progress.size(), 4);
    fail_unless_equals_int(progress[0].first, GST_PROGRESS_TYPE_START);
    fail_unless_equals_int(progress[1].first, GST_PROGRESS_TYPE_CONTINUE);
    fail_unless(g_str_has_prefix(progress[1].second.c_str(), "epoch 1/2: train loss "), "%s",
                progress[1].second.c_str());
    fail_unless(progress[1].second.find(", UA ") != std::string::npos);
    fail_unless(g_str_has_prefix(progress[2].second.c_str(), "epoch 2/2: "));
    fail_unless_equals_int(progress[3].first, GST_PROGRESS_TYPE_COMPLETE);
    fail_unless(g_str_has_prefix(progress[3].second.c_str(), "trained 2 epochs; best validation UA "));
}

GST_END_TEST;

/* ksmmtransformer (a GstAggregator) lets the sink preroll too: PLAYING while it trains. */
GST_START_TEST(test_ksmm_progress_while_playing) {
    if (!have_emodb("test_ksmm_progress_while_playing")) return;
    std::string vectors;
    const std::string manifest = ksmm_text_task(&vectors);
    const TrainingProgress p =
        play_training("emodatasetsrc name=data location=\"" + manifest +
                      "\" valid-speakers=s6,s7 epochs=1 ! lldextract ! "
                      "ksmmtransformer name=m mode=train threads=1 batch-size=8 word-vectors=\"" +
                      vectors + "\" model-location=\"" + temp_path("ksmm-progress.safetensors") +
                      "\" ! fakesink sync=false "
                      "data.text ! queue ! m.text");
    fail_unless(p.playing_before_first_epoch, "the first epoch ended before the pipeline was PLAYING");
    fail_unless_equals_int((int)p.messages.size(), 3);
}

GST_END_TEST;

static Suite* training_suite(void) {
    Suite* s = suite_create("training");
    TCase* tc = general_case(s, 600);
    tcase_add_test(tc, test_train_reaches_accuracy);
    tcase_add_test(tc, test_progress_while_playing);
    tcase_add_test(tc, test_ksmm_progress_while_playing);
    tcase_add_test(tc, test_resume_continues_exactly);
    tcase_add_test(tc, test_resume_with_augmentation_continues_exactly);
    tcase_add_test(tc, test_resume_other_run_n);
    tcase_add_test(tc, test_killed_training_keeps_model);
    tcase_add_test(tc, test_unusable_settings_n);
    tcase_add_test(tc, test_ksmm_learns_from_text);
    return s;
}

GST_CHECK_MAIN(training);
