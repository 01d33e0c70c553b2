#!/usr/bin/env bash
# Starts the assistant on embedded defaults: action server (:5055), Rasa server (:5005, REST channel, Telegram when
# TELEGRAM_TOKEN is set), the tracking service (status API, notifier, demo simulator). In a terminal it also opens
# a local chat; Ctrl+C (or leaving the chat) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
export RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT}
export DEMO_SIMULATOR=${DEMO_SIMULATOR:-1}
# Local default so the registry feed can be tried; set your own secret token in production.
export STATUS_API_TOKEN=${STATUS_API_TOKEN:-dev-token}
if [ -z "${TELEGRAM_TOKEN:-}" ]; then
  echo "run: TELEGRAM_TOKEN is not set — Telegram stays off; chat here or over REST (POST :$RASA_PORT/webhooks/rest/webhook)."
elif [ -z "${TELEGRAM_WEBHOOK_URL:-}" ]; then
  echo "run: TELEGRAM_TOKEN set, no TELEGRAM_WEBHOOK_URL — Telegram uses long polling."
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" >var/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --enable-api --port "$RASA_PORT" --credentials credentials.yml --endpoints endpoints.yml \
  --model models >var/rasa.log 2>&1 &
pids+=($!)
if .venv/bin/dmsbot serve --help >/dev/null 2>&1; then
  .venv/bin/dmsbot serve >var/tracking.log 2>&1 &
  pids+=($!)
fi

echo "run: waiting for the Rasa server (logs in var/*.log) ..."
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$RASA_PORT/status" 2>/dev/null | grep -q '"model_id"'; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "run: a process exited early; see var/*.log" >&2; tail -n 30 var/*.log >&2; exit 1; }
  done
  sleep 1
done
echo "run: ready — REST webhook http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook"

if [ -t 0 ] || [ "${1:-}" = "--shell" ]; then
  .venv/bin/python scripts/chat.py --url "http://127.0.0.1:$RASA_PORT"
else
  wait -n "${pids[@]}"
fi
