#!/usr/bin/env bash
# The main job on a bundled example: synthesise two English sentences with espeak-ng (the
# repository carries no corpus audio), then tag each detected speech segment with its emotion,
# using the uninstalled plugin and the shipped default model (models/stl.safetensors).
set -euo pipefail
build="${1:?usage: tag-example.sh BUILD_DIR}"
out="$build/example"
mkdir -p "$out"

espeak-ng -v en -s 150 -w "$out/part1.wav" "Please open the door for me."
espeak-ng -v en -s 150 -w "$out/part2.wav" "I can't believe you did that again!"
# sentence, one second of silence, sentence
sox "$out/part1.wav" "$out/part1-pause.wav" pad 0 1
sox "$out/part1-pause.wav" "$out/part2.wav" "$out/speech.wav"

export GST_PLUGIN_PATH="$build/gst"
echo "== $out/speech.wav"
"$build/tools/emotion-analyze" "$out/speech.wav"
