#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the exact pins from requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed"

is_py310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

find_python310() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
      candidates+=("$(pyenv root)/versions/$version/bin/python3.10")
    done
  fi
  for dir in "$HOME"/.pyenv/versions/3.10*/bin /usr/local/bin /usr/bin /opt/python3.10/bin; do
    candidates+=("$dir/python3.10")
  done
  for candidate in "${candidates[@]}"; do
    if is_py310 "$candidate"; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && ! is_py310 "$VENV/bin/python"; then
  echo "setup: $VENV is not Python 3.10; recreating it." >&2
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python310); then
    cat >&2 <<'MSG'
setup: Python 3.10 is required (Rasa Open Source 3.6 supports 3.8–3.10 and refuses 3.11), but none was found.
       Install it (for example `pyenv install 3.10.13`, or your distribution's python3.10 with venv)
       or point PYTHON at it: `PYTHON=/path/to/python3.10 make setup`.
MSG
    exit 1
  fi
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi

echo "setup: installing pinned requirements (first time: several minutes, ~9.5 GB with torch)"
# pip keeps every downloaded wheel until its whole install ends, and by default a second copy in its cache.
# Without the cache, and with torch's CUDA wheels (about 3 GB packed) installed before the rest, the disk
# never holds much more than the finished environment.
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${free_kb:-0}" -lt $((11 * 1024 * 1024)) ]; then
  echo "setup: warning: $((free_kb / 1024 / 1024)) GB free here; the install needs about 10.5 GB at its peak." >&2
fi
PIP=("$VENV/bin/python" -m pip install --quiet --no-cache-dir)
"${PIP[@]}" --upgrade "pip==24.0"
mapfile -t torch_stack < <(grep -E '^(torch|triton|nvidia-[a-z0-9-]+)==' requirements.txt)
"${PIP[@]}" -c requirements.txt "${torch_stack[@]}"
"${PIP[@]}" -r requirements.txt
"${PIP[@]}" --no-deps --no-build-isolation -e .
"$VENV/bin/python" -m pip check
echo "$want" > "$STAMP"
echo "setup: done"
