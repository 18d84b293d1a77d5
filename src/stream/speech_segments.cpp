#include "stream/speech_segments.h"

namespace emotion::stream {

SpeechSegments::SpeechSegments(const dsp::VadSettings& settings, std::string prefix)
    : vad_(settings), prefix_(std::move(prefix)) {}

void SpeechSegments::start() {
    vad_.reset();
    next_id_ = 0;
    open_ = false;
    open_id_.clear();
}

void SpeechSegments::mark(const std::vector<bool>& decided, std::vector<SegmentMark>& marks) {
    for (bool speech : decided) {
        SegmentMark m;
        if (speech && !open_) {
            open_id_ = prefix_ + std::to_string(next_id_++);
            open_ = true;
            m = {SegmentMark::Kind::Start, open_id_};
        } else if (!speech && open_) {
            open_ = false;
            m = {SegmentMark::Kind::End, open_id_};
        }
        marks.push_back(std::move(m));
    }
}

void SpeechSegments::push(double frame_energy, std::vector<SegmentMark>& marks) {
    decided_.clear();
    vad_.push(frame_energy, decided_);
    mark(decided_, marks);
}

void SpeechSegments::close(std::vector<SegmentMark>& marks, SegmentMark* end) {
    decided_.clear();
    vad_.flush(decided_);
    mark(decided_, marks);
    *end = SegmentMark();
    if (open_) {
        *end = {SegmentMark::Kind::End, open_id_};
        open_ = false;
    }
    vad_.reset();
}

} // namespace emotion::stream
