#!/usr/bin/env bash
# Trains the Rasa model when the domain, data or config changed since the newest model (Rasa's fingerprint).
# TRAIN_EPOCHS_SCALE (e.g. 0.5) shortens training; CI does not need it at the current data size.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models var
for hook in scripts/train_*.py; do
  [ -e "$hook" ] || continue
  echo "train: $hook"
  .venv/bin/python "$hook"
done
.venv/bin/rasa train --domain domain --data data --config config.yml --out models --quiet "$@"
# Keep the three newest models only.
ls -1t models/*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
