#!/usr/bin/env bash
# npm run eval:precision — issue 11's real-traffic figures, from scratch:
#   1. the long tail: ../shared/corpus/build-benign-sdists.sh and build-benign-wheels.sh (1,291 small
#      Debian-packaged projects as sdists and wheels; cached in PRECISION_CACHE);
#   2. the machine's local PyPI mirror (the file:// extra index URLs `pip config list` names);
#   3. the evasion mutants of malicious-dev (scripts/mutants/make_mutants.py on the samples the
#      scanner blocks, vendoring pip's own wheel from benign-dev as the "large library");
#   each scanned with `pywarden scan --jsonl` and scored by scripts/precision/score.mjs.
# Samples are only read, never run; everything is written under PRECISION_SCRATCH (outside the repo).
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${CORPUS:-../shared/corpus}
SCRATCH=${PRECISION_SCRATCH:-${TMPDIR:-/tmp}/pywarden-precision}
CACHE=${PRECISION_CACHE:-$SCRATCH/longtail}
mkdir -p "$SCRATCH" "$CACHE"
# Exit status 1 only says a malicious file was seen (the point of the malicious sets).
scan() { node bin/pywarden.js scan --jsonl --workers "${PRECISION_WORKERS:-$(nproc)}" "$@" || [ $? -eq 1 ]; }
# The long tail and malicious-dev are training data: their files get the out-of-fold score npm run
# train recorded (a model that never saw the file's family), so those figures are out-of-fold. The
# mirror was never trained on; the mutants are new files (scored by the shipped model).
OOF=(--model-scores models/pywarden-model.oof.json)

bash "$CORPUS/build-benign-sdists.sh" "$CACHE" >&2
BENIGN_DEBIAN_LIST="$CORPUS/benign-longtail-dev.txt" bash "$CORPUS/build-benign-wheels.sh" "$CACHE" >&2
scan "${OOF[@]}" "$CACHE/sdists" "$CACHE/wheels" > "$SCRATCH/longtail.jsonl"
cat "$CACHE/sdists/manifest.jsonl" "$CACHE/wheels/manifest.jsonl" > "$SCRATCH/longtail-manifest.jsonl"

mirrors=$(pip config list 2>/dev/null | sed -n "s/.*extra-index-url='\(.*\)'/\1/p" | tr ' ' '\n' | sed -n 's#^file://\(.*\)/simple/\?$#\1/files#p')
# shellcheck disable=SC2086
[ -n "$mirrors" ] && scan $mirrors > "$SCRATCH/mirror.jsonl" || : > "$SCRATCH/mirror.jsonl"

bash "$CORPUS/unpack.sh" malicious-dev "$SCRATCH/mal-dev" >&2
bash "$CORPUS/unpack.sh" benign-dev "$SCRATCH/benign-dev" >&2
scan "${OOF[@]}" "$SCRATCH/mal-dev" > "$SCRATCH/mal-dev.jsonl"
rm -rf "$SCRATCH/vendor" && mkdir -p "$SCRATCH/vendor"
python3 -c "import zipfile,glob,sys; zipfile.ZipFile(sorted(glob.glob(sys.argv[1] + '/*/pip-24.2-*.whl'))[0]).extractall(sys.argv[2])" "$SCRATCH/benign-dev" "$SCRATCH/vendor"
rm -rf "$SCRATCH/mutants"
python3 scripts/mutants/make_mutants.py "$SCRATCH/mal-dev.jsonl" "$SCRATCH/mal-dev/manifest.jsonl" "$SCRATCH/mutants" --per-class 80 --vendor "$SCRATCH/vendor/pip"
scan "$SCRATCH/mutants" > "$SCRATCH/mutants.jsonl"

node scripts/precision/score.mjs long-tail "$SCRATCH/longtail.jsonl" "$SCRATCH/longtail-manifest.jsonl" kind
node scripts/precision/score.mjs mirror "$SCRATCH/mirror.jsonl" -
node scripts/precision/score.mjs malicious-dev "$SCRATCH/mal-dev.jsonl" "$SCRATCH/mal-dev/manifest.jsonl"
node scripts/precision/score.mjs mutants "$SCRATCH/mutants.jsonl" "$SCRATCH/mutants/manifest.jsonl" mutation
