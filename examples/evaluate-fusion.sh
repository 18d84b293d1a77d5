#!/usr/bin/env bash
# Evaluates M1 (alstm), M2 (apcnn), M3 (stl) and their fusion by emotionfuse in one pipeline over
# a labelled manifest (4 classes): an emotionsink report per model and one for the fused results.
#   evaluate-fusion.sh NAME MANIFEST ["EMODATASETSRC PROPERTIES"] [WEIGHTS]
# writes NAME-{alstm,apcnn,stl,fused}.json (reports) and .jsonl (results, for fusion-weights.py)
# and prints each UA. Models: MODELS (default: the source tree's models/). apcnn reads 2 s mu-law
# segments every APCNN_HOP seconds (default 0.4, the paper's inference hop, as emotion-eval uses;
# mulawspec's own default is 1). Run from a build:
#   GST_PLUGIN_PATH=build/gst examples/evaluate-fusion.sh ravdess ../shared/data/ravdess-dev/manifest.csv
set -euo pipefail
name="${1:?usage: evaluate-fusion.sh NAME MANIFEST [\"SOURCE PROPERTIES\"] [WEIGHTS]}"
manifest="${2:?usage: evaluate-fusion.sh NAME MANIFEST [\"SOURCE PROPERTIES\"] [WEIGHTS]}"
read -r -a source_props <<<"${3:-}"
weights="${4:-1,1,1}"
models="${MODELS:-$(dirname "$0")/../models}"
apcnn_hop="${APCNN_HOP:-0.4}"

branch() { # MODEL ELEMENT PAD
    echo "! $2 model=$models/$1.safetensors ! tee name=$1 ! queue ! f.$3 $1. ! queue"
    echo "! emotionsink report=$name-$1.json location=$name-$1.jsonl"
}
# shellcheck disable=SC2046
gst-launch-1.0 -q emodatasetsrc location="$manifest" labels=angry,happy,neutral,sad "${source_props[@]}" \
    ! tee name=t \
    t. ! queue ! lldextract $(branch alstm alstmclassify sink_0) \
    t. ! queue ! mulawspec hop="$apcnn_hop" $(branch apcnn apcnnclassify sink_1) \
    t. ! queue ! lldextract $(branch stl stlclassify sink_2) \
    emotionfuse name=f weights="$weights" ! emotionsink report="$name-fused.json" location="$name-fused.jsonl"
for m in alstm apcnn stl fused; do
    python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(sys.argv[2], "UA %.3f WA %.3f" % (j["ua"], j["wa"]))' \
        "$name-$m.json" "$m"
done
