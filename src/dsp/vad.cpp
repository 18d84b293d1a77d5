// Energy VAD in two stages, both causal up to a bounded lookahead:
// 1. Threshold: frame i is "loud" when its level (dB of the mean square) exceeds both floor_db
//    and noise floor + threshold_db. The noise floor is the lowest level in the frames
//    [i - window + 1, i + lookahead] that are above floor_db (a sliding minimum; floor_db when
//    there are none, so a run of digital zeros does not lower it): it follows a
//    falling noise level at once, a rising one within noise_window_s, and the lookahead finds
//    the floor when a stream starts with speech.
// 2. Smoothing: a speech segment starts at a loud frame when loud frames, bridged by quiet gaps
//    shorter than the hang-over, span at least min_speech frames; it ends at its last loud frame
//    once a quiet gap reaches the hang-over. Frames between are speech, everything else not.
#include "dsp/vad.h"

#include <algorithm>
#include <cmath>

namespace emotion::dsp {

namespace {

constexpr double kFramesPerSecond = 100.0; // 10 ms LLD hop

int to_frames(double seconds) {
    return std::max(1, static_cast<int>(std::ceil(seconds * kFramesPerSecond - 1e-9)));
}

} // namespace

Vad::Vad(const VadSettings& settings)
    : settings_(settings), lookahead_floor_(to_frames(settings.noise_lookahead_s)),
      window_(to_frames(settings.noise_window_s)), min_speech_(to_frames(settings.min_speech_s)),
      hangover_(to_frames(settings.hangover_s)) {}

void Vad::reset() {
    frames_seen_ = 0;
    levels_.clear();
    minima_.clear();
    raw_.clear();
    in_speech_ = false;
}

int Vad::lookahead_frames() const { return lookahead_floor_ + min_speech_ + hangover_; }

void Vad::decide_raw(int64_t frame, double db) {
    while (!minima_.empty() && minima_.front().frame <= frame - window_) minima_.pop_front();
    const double floor = minima_.empty() ? settings_.floor_db : minima_.front().db;
    raw_.push_back(db > settings_.floor_db && db > floor + settings_.threshold_db);
}

void Vad::push(double frame_energy, std::vector<bool>& decided) {
    // Non-finite or negative energies count as silence.
    const double energy = std::isfinite(frame_energy) && frame_energy > 0.0 ? frame_energy : 0.0;
    const double db = 10.0 * std::log10(energy + 1e-30);
    const int64_t frame = frames_seen_++;
    // Frames below floor_db (digital silence, fades) say nothing about the noise level, so they
    // do not pull the floor down: noise right after a run of zeros is not speech.
    if (db > settings_.floor_db) {
        while (!minima_.empty() && minima_.back().db >= db) minima_.pop_back();
        minima_.push_back({frame, db});
    }
    levels_.push_back({frame, db});
    if (frame >= lookahead_floor_) {
        decide_raw(levels_.front().frame, levels_.front().db);
        levels_.pop_front();
    }
    smooth(false, decided);
}

void Vad::flush(std::vector<bool>& decided) {
    while (!levels_.empty()) {
        decide_raw(levels_.front().frame, levels_.front().db);
        levels_.pop_front();
    }
    smooth(true, decided);
    reset();
}

// Emits raw_ decisions from the front as far as they are final; at_end treats the stream as
// ending after the last frame.
void Vad::smooth(bool at_end, std::vector<bool>& decided) {
    const auto emit = [&](size_t count, bool speech) {
        decided.insert(decided.end(), count, speech);
        raw_.erase(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(count));
    };
    while (!raw_.empty()) {
        if (in_speech_) {
            if (raw_.front()) {
                emit(1, true);
                continue;
            }
            // A quiet gap: bridged if loud frames resume before the hang-over runs out.
            size_t gap = 0;
            while (gap < raw_.size() && !raw_[gap] && gap < static_cast<size_t>(hangover_)) ++gap;
            if (gap < raw_.size() && raw_[gap]) {
                emit(gap, true);
            } else if (gap >= static_cast<size_t>(hangover_) || at_end) {
                in_speech_ = false;
                emit(1, false);
            } else {
                return; // wait for more frames
            }
            continue;
        }
        if (!raw_.front()) {
            emit(1, false);
            continue;
        }
        // A loud frame outside speech: does it start a segment of at least min_speech frames?
        size_t last_loud = 0, i = 1;
        bool confirmed = false, rejected = false;
        for (; i < raw_.size(); ++i) {
            if (raw_[i]) {
                last_loud = i;
                if (last_loud + 1 >= static_cast<size_t>(min_speech_)) {
                    confirmed = true;
                    break;
                }
            } else if (i - last_loud >= static_cast<size_t>(hangover_)) {
                rejected = true;
                break;
            }
        }
        if (min_speech_ <= 1) confirmed = true;
        if (confirmed) {
            in_speech_ = true;
        } else if (rejected || at_end) {
            emit(last_loud + 1, false);
        } else {
            return;
        }
    }
}

} // namespace emotion::dsp
