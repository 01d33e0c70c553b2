#!/usr/bin/env bash
# The README's test command runs this (after setup and training): validation, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/dmsbot kb check
.venv/bin/python scripts/validate.py
model=$(ls -1t models/*.tar.gz | head -n 1)
echo "test: rasa test core on tests/test_stories.yml with $model"
.venv/bin/rasa test core --model "$model" --stories tests/test_stories.yml --out results/core --fail-on-prediction-errors --quiet
.venv/bin/python -m pytest tests "$@"
