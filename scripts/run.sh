#!/usr/bin/env bash
# Starts the assistant on embedded defaults: action server (:5055), Rasa server (:5005, REST channel, Telegram when
# TELEGRAM_TOKEN is set), the tracking service (status API, notifier, demo simulator). Every port listens on
# 127.0.0.1 only; Rasa's HTTP API and the status API need tokens (RASA_AUTH_TOKEN, STATUS_API_TOKEN: random ones
# are kept in var/ when unset). Each process is supervised: one that dies is restarted, with a line in its log.
# In a terminal it also opens a local chat; Ctrl+C (or leaving the chat) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WEBCHAT_PORT=${WEBCHAT_PORT:-8080}
export RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT}
export DEMO_SIMULATOR=${DEMO_SIMULATOR:-1}
# rasa-sdk listens on SANIC_HOST (0.0.0.0 by default).
export SANIC_HOST=${ACTION_INTERFACE:-127.0.0.1}
secret() { .venv/bin/python -c "from tracking.config_secrets import get_secret; print(get_secret('$1'))"; }
# Fails here with a clear message when DMSBOT_ENV=production and a required secret is missing.
.venv/bin/python -c "from tracking.config_secrets import require_production_secrets as r; r()"
RASA_AUTH_TOKEN=$(secret RASA_AUTH_TOKEN); export RASA_AUTH_TOKEN
STATUS_API_TOKEN=$(secret STATUS_API_TOKEN); export STATUS_API_TOKEN
if [ -z "${TELEGRAM_TOKEN:-}" ]; then
  echo "run: TELEGRAM_TOKEN is not set — Telegram stays off; chat here or over REST (POST :$RASA_PORT/webhooks/rest/webhook)."
elif [ -z "${TELEGRAM_WEBHOOK_URL:-}" ]; then
  echo "run: TELEGRAM_TOKEN set, no TELEGRAM_WEBHOOK_URL — Telegram uses long polling."
fi

# supervise NAME LOG CMD...: runs CMD, restarts it (with a log line) whenever it exits, until stopped.
supervise() {
  local name=$1 log=$2 child=0 delay=1
  shift 2
  trap '[ "$child" -gt 0 ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    local started=$SECONDS
    "$@" >>"$log" 2>&1 &
    child=$!
    local rc=0
    wait "$child" || rc=$?
    # A process that ran for a while restarts at once; one that keeps failing backs off up to 30 s.
    if [ $((SECONDS - started)) -gt 60 ]; then delay=1; else delay=$((delay * 2 > 30 ? 30 : delay * 2)); fi
    echo "run: $(date -u +%FT%TZ) $name exited with code $rc; restarting in ${delay}s" | tee -a "$log" >&2
    sleep "$delay"
  done
}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

supervise actions var/actions.log .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
# endpoints.yml names the action server on :5055; another ACTION_PORT gets its own copy under var/.
endpoints=endpoints.yml
if [ "$ACTION_PORT" != 5055 ]; then
  sed "s#127.0.0.1:5055/#127.0.0.1:$ACTION_PORT/#" endpoints.yml >var/endpoints.run.yml
  endpoints=var/endpoints.run.yml
fi
supervise rasa var/rasa.log .venv/bin/python scripts/rasa_run.py --enable-api --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints "$endpoints" --model models &
pids+=($!)
if .venv/bin/dmsbot serve --help >/dev/null 2>&1; then
  supervise tracking var/tracking.log .venv/bin/dmsbot serve &
  pids+=($!)
fi
# Web chat page (docs/webchat.md); it answers «temporarily unavailable» until Rasa is up.
supervise webchat var/webchat.log .venv/bin/python -m web.server --port "$WEBCHAT_PORT" &
pids+=($!)

echo "run: waiting for the Rasa server (logs in var/*.log) ..."
ready=0
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" 2>/dev/null | grep -q '"model_id"'; then
    ready=1; break
  fi
  sleep 1
done
if [ "$ready" != 1 ]; then
  echo "run: Rasa did not become ready in 300 s; see var/*.log" >&2; tail -n 30 var/*.log >&2; exit 1
fi
echo "run: ready — REST webhook http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook (sender ids are issued by the"
echo "     server: send back the recipient_id of the reply). Rasa API token: var/rasa_auth_token (or RASA_AUTH_TOKEN);"
echo "     status API token: var/status_api_token (or STATUS_API_TOKEN)."
echo "run: web chat — open http://127.0.0.1:$WEBCHAT_PORT/ in a browser"

if [ -t 0 ] || [ "${1:-}" = "--shell" ]; then
  .venv/bin/python scripts/chat.py --url "http://127.0.0.1:$RASA_PORT"
else
  wait
fi
