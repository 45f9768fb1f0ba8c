#!/usr/bin/env bash
# Training parity of core's GPT-2 against plain PyTorch: the Java side trains a small GPT-2 for 20 steps and
# exports weights, batches and losses; torch_parity.py trains the same model on the same batches and compares.
# Run from anywhere; builds the bench jar unless SKIP_BUILD=1. Needs Debian's python3-torch
# (apt-get install -y python3-torch), which lives under /usr/bin/python3, not a pyenv python.
# Extra arguments go to the Java exporter (e.g. --decay-embeddings false, --clip 0.5).
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
PYTHON="${PYTHON:-/usr/bin/python3}"
OUT="${PARITY_OUT:-bench/parity/out}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -q -B -o -pl bench -am package -DskipTests
fi
rm -rf "$OUT"
"$JAVA" -Dai.djl.offline=true --enable-native-access=ALL-UNNAMED -jar bench/target/bench.jar \
  train-parity-export --out "$OUT" "$@"
"$PYTHON" bench/parity/torch_parity.py --dir "$OUT"
