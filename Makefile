# Паспортний помічник — the usual targets. `make run` and `make test` do all the set-up they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa

.PHONY: setup train run test lint validate evaluate bench lock shell clean

setup:
	@bash scripts/setup.sh

train: setup
	@bash scripts/train.sh

run: train
	@bash scripts/run.sh

test: train
	@bash scripts/test.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: setup
	$(VENV)/bin/dmsbot kb check
	$(PY) scripts/validate.py

evaluate: train
	$(PY) scripts/evaluate.py --cross-validation 3
	$(PY) scripts/evaluate_dialogues.py

bench: train
	@mkdir -p results
	@set -e; for script in scripts/bench_*.py; do echo "== $$script"; $(PY) $$script; done

lock: setup
	@{ echo "# Generated from requirements.in by 'make lock' (pip freeze of a clean install). Exact pins only."; \
	   $(VENV)/bin/pip freeze --exclude-editable | grep -v '^dmsbot'; } > requirements.txt

shell: train
	@bash scripts/run.sh --shell

clean:
	rm -rf models results .rasa var
