#!/usr/bin/env bash
# Trains the Rasa model (NLU, the project's sentence model inside it, dialogue) only when its inputs changed:
# a fingerprint of config, domain, data, the knowledge base and the NLU component code
# (nlu/ and the textnorm/ and kbengine/ packages it imports) is kept beside the model.
# `FORCE_TRAIN=1` trains anyway. scripts/train_sentence_model.py is a separate inspection tool, not run here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models var

fingerprint=$(
  { find config.yml domain data kb nlu textnorm kbengine -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.json' -o -name '*.tsv' \) \
      -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum; cat requirements.txt; } | sha256sum | cut -d' ' -f1
)
stamp=models/.fingerprint
newest=$(ls -1t models/*.tar.gz 2>/dev/null | head -n 1 || true)
if [ -z "${FORCE_TRAIN:-}" ] && [ -n "$newest" ] && [ -f "$stamp" ] \
   && [ "$(cat "$stamp")" = "$fingerprint $(basename "$newest")" ]; then
  echo "train: $newest is current (inputs unchanged); nothing to do"
  exit 0
fi

.venv/bin/rasa train --domain domain --data data --config config.yml --out models --quiet "$@"
newest=$(ls -1t models/*.tar.gz | head -n 1)
echo "$fingerprint $(basename "$newest")" > "$stamp"
# Keep the three newest models only.
ls -1t models/*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
