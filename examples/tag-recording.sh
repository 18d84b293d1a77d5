#!/usr/bin/env bash
# Tags a recording with emotions: decodes INPUT (any format decodebin handles), classifies the
# speech in windows of WINDOW seconds (lldextract ! alstmclassify), and writes OUTPUT.mkv with
#   - the original (decoded) audio,
#   - a subtitle track named "Emotion" whose cues are the emotion of each window ("angry (81%)",
#     the text of emotionsink's cues; the classifier's cue-format changes it), language "zxx"
#     (ISO 639-2 "no linguistic content"): the labels are data, not a transcript, and a player
#     that picks subtitles by the viewer's language must not pick this track for English,
#   - the dominant emotion as the global comment tag "emotion=LABEL" (matroskamux keeps the
#     comment; the plugin's own `emotion` tag and the keyword are not written by matroskamux).
# Then prints what the file holds, read back with matroskademux.
#   tag-recording.sh INPUT OUTPUT.mkv [MODEL] [WINDOW]
# MODEL defaults to the shipped A-LSTM model (GST_EMOTION_MODEL_PATH). Run from a build:
#   GST_PLUGIN_PATH=build/gst examples/tag-recording.sh speech.wav tagged.mkv
set -euo pipefail
input="${1:?usage: tag-recording.sh INPUT OUTPUT.mkv [MODEL] [WINDOW]}"
output="${2:?usage: tag-recording.sh INPUT OUTPUT.mkv [MODEL] [WINDOW]}"
model="${3:-}"
window="${4:-1.0}"
model_prop=()
[ -n "$model" ] && model_prop=(model="$model")

# The audio queue is unbounded: matroskamux waits for the first cue, which leaves the
# classifier only when its first window is complete.
gst-launch-1.0 -q -e \
  filesrc location="$input" ! decodebin ! tee name=t \
  t. ! queue max-size-time=0 max-size-buffers=0 max-size-bytes=0 ! audioconvert ! mux.audio_0 \
  t. ! queue ! audioconvert ! audioresample ! lldextract \
     ! alstmclassify "${model_prop[@]}" window="$window" hop="$window" \
     ! taginject tags="title=Emotion,language-code=zxx" ! mux.subtitle_0 \
  matroskamux name=mux ! filesink location="$output"

echo "== $output"
gst-launch-1.0 -m filesrc location="$output" ! matroskademux name=d \
  d.audio_0 ! queue ! fakesink \
  d.subtitle_0 ! queue ! fakesink dump=true 2>&1 \
  | grep -E '^[0-9a-f]{8} |comment|zxx' | sed -e 's/^Got message.*taglist=(taglist)/tags: /' -e 's/\\//g' \
  | awk '!seen[$0]++' || true
