#!/usr/bin/env bash
# npm run train: features for the dev corpus -> grouped-CV stacking ensemble -> models/*.onnx,
# its sha256, the card's figures (models/MODEL.md), the sweep chart, the test fixtures; then a check
# that onnxruntime-node reproduces the training scores. Samples are unpacked only into a scratch
# folder outside the repository (TRAIN_SCRATCH, default /tmp/pywarden-train) and never executed.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus}
SCRATCH=${TRAIN_SCRATCH:-/tmp/pywarden-train}
PY=/usr/bin/python3   # Debian's Python (the pyenv shim on PATH has no sklearn)
mkdir -p "$SCRATCH"

if ! "$PY" -c 'import sklearn, onnx, numpy' 2>/dev/null; then
  echo "train: installing python3-sklearn python3-onnx python3-numpy (apt)" >&2
  apt-get update -qq && apt-get install -y -qq python3-sklearn python3-onnx python3-numpy >/dev/null
fi

"$CORPUS/unpack.sh" malicious-dev "$SCRATCH/mal-dev" >&2
"$CORPUS/unpack.sh" benign-dev "$SCRATCH/benign-dev" >&2
BENIGN_WHEEL_CACHE=${BENIGN_WHEEL_CACHE:-$SCRATCH/benign-debian-cache} "$CORPUS/unpack.sh" benign-debian "$SCRATCH/benign-debian" >&2

# The long tail (issue 11): small real Debian-packaged projects rebuilt as sdists and wheels, the
# benign data the model lacked (it had learned "small" as "malicious"). Shared with eval:precision.
LONGTAIL=${TRAIN_LONGTAIL:-$SCRATCH/longtail}
bash "$CORPUS/build-benign-sdists.sh" "$LONGTAIL" >&2
BENIGN_DEBIAN_LIST="$CORPUS/benign-longtail-dev.txt" bash "$CORPUS/build-benign-wheels.sh" "$LONGTAIL" >&2

DIRS=("$SCRATCH/mal-dev" "$SCRATCH/benign-dev" "$SCRATCH/benign-debian" "$LONGTAIL/sdists" "$LONGTAIL/wheels")
FEATURES="$SCRATCH/features.jsonl"
RULES="$SCRATCH/rules.jsonl"
# TRAIN_REUSE=1 keeps features/rules from an earlier run of the same code (they take minutes).
if [[ -z "${TRAIN_REUSE:-}" || ! -s "$FEATURES" ]]; then
  node scripts/train/features.mjs "$FEATURES" "${DIRS[@]}"
fi
if [[ -z "${TRAIN_REUSE:-}" || ! -s "$RULES" ]]; then
  node scripts/train/rules.mjs "$RULES" "${DIRS[@]}"
fi

"$PY" scripts/train/train.py --features "$FEATURES" \
  --model models/pywarden-model.onnx --report "$SCRATCH/report.json" \
  --svg docs/model-threshold-sweep.svg --fixtures test/fixtures/model/fixtures.json \
  --scores "$SCRATCH/scores.json" --oof "$SCRATCH/oof.json"
node scripts/train/verify.mjs models/pywarden-model.onnx "$SCRATCH/scores.json" 1e-4
# Every training file's out-of-fold score ships beside the model: `pywarden scan --model-scores`
# with it gives out-of-fold figures for the whole pipeline (npm run eval:precision).
"$PY" -c 'import json,sys; json.dump([{"sha256": r["sha256"], "stack": r["stack"]} for r in json.load(open(sys.argv[1]))], open(sys.argv[2], "w"), separators=(",", ":"))' "$SCRATCH/oof.json" models/pywarden-model.oof.json
node scripts/train/card.mjs "$SCRATCH/report.json" "$SCRATCH/oof.json" "$RULES" models/MODEL.md models/pywarden-model.json "$SCRATCH/scores.json"
echo "train: done; model models/pywarden-model.onnx ($(cut -c1-16 models/pywarden-model.onnx.sha256)...)" >&2
