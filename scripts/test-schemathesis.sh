#!/usr/bin/env bash
# Hostile input against the real service: Schemathesis generates valid and invalid requests for
# every operation of the OpenAPI document the service serves (GET /openapi.json, V2 included) and
# fails on a 5xx; on a status code, content type, header or body the document does not declare;
# or on a service that is no longer alive and ready afterwards. Schemathesis and its dependencies
# are pinned in test/hostile/schemathesis/requirements.txt and live in their own virtual
# environment (.venv-schemathesis), refreshed when that file changes. Bounded: at most
# SCHEMATHESIS_MAX_EXAMPLES cases per operation and phase, SCHEMATHESIS_MAX_TIME seconds for the
# whole run (fuzzing repeats until that budget is spent), a fixed seed. The JUnit report and the
# service's log go to schemathesis-report/. Without python3 or PyPI it skips with a message,
# except in CI (CI=true), where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
max_time="${SCHEMATHESIS_MAX_TIME:-90}"
seed="${SCHEMATHESIS_SEED:-20260110}"
requirements=test/hostile/schemathesis/requirements.txt
venv=.venv-schemathesis
out=schemathesis-report

unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "schemathesis: $1 (required in CI)" >&2
    exit 1
  fi
  echo "SKIPPED schemathesis: $1 (CI=true makes this a failure)"
  exit 0
}

command -v python3 >/dev/null 2>&1 || unavailable "python3 not found"
stamp="$venv/.requirements.sha256"
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setting up $venv from $requirements"
  rm -f "$stamp"
  python3 -m venv "$venv" || unavailable "python3 -m venv failed"
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" ||
    unavailable "cannot install $requirements (is PyPI reachable?)"
  echo "$wanted" >"$stamp"
fi

# Two free loopback ports: the API and the separate metrics listener.
read -r port metrics_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()')
base="http://127.0.0.1:$port"

rm -rf "$out"
mkdir -p "$out"
log="$out/service.log"
# The real service, as `npm start` runs it, on the built-in model; bounded in time by `timeout`.
# The prediction log is on (stdout, into the service log), so POST /feedback is fuzzed past its
# 404 NOT_CONFIGURED and scored requests go through the log as well.
env -u MODEL_URI -u AIP_STORAGE_URI -u AIP_HTTP_PORT -u AIP_HEALTH_ROUTE -u AIP_PREDICT_ROUTE \
  HOST=127.0.0.1 PORT="$port" METRICS_PORT="$metrics_port" LOG_LEVEL=warn DRAIN_SECONDS=0 \
  PREDICTION_LOG=stdout PREDICTION_LOG_SAMPLE_RATE=0.1 \
  timeout "$((max_time + 300))" node --max-semi-space-size=4 --import tsx src/server.ts \
  >"$log" 2>&1 &
service=$!
stop_service() {
  if kill -0 "$service" 2>/dev/null; then
    kill -TERM "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
  fi
}
trap stop_service EXIT

# Status code of GET $1, or 000 when nothing answers.
status_of() {
  python3 -c '
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("000")' "$1"
}

ready=""
for _ in $(seq 1 120); do
  if ! kill -0 "$service" 2>/dev/null; then
    echo "schemathesis: the service exited before it was ready; its log ($log):" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ "$(status_of "$base/health/ready")" = 200 ]; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "schemathesis: the service was not ready within 60 s; its log ($log):" >&2
  cat "$log" >&2
  exit 1
fi

checks=not_a_server_error,status_code_conformance,content_type_conformance
checks+=,response_schema_conformance,response_headers_conformance,unsupported_method,allow_header_conformance
command=(
  "$venv/bin/schemathesis" run "$base/openapi.json"
  --checks "$checks"
  --mode all
  --phases examples,coverage,fuzzing,stateful
  --max-examples "$max_examples"
  --max-time "$max_time"
  --seed "$seed"
  # One worker: with two, Hypothesis describes lambdas by parsing source in two threads at
  # once, and CPython 3.11's ast (gh-106905) can raise a spurious "AST constructor recursion
  # depth mismatch", which Hypothesis reports as a flaky failure of the operation being drawn.
  --workers 1
  --request-timeout 10
  --generation-database none
  --no-color
  --report junit
  --report-junit-path "$out/junit.xml"
)
echo "${command[*]}"
status=0
timeout "$((max_time + 180))" "${command[@]}" || status=$?

# Whatever it was sent, the service must still be up and ready.
alive=yes
if ! kill -0 "$service" 2>/dev/null; then
  alive=""
  echo "schemathesis: the service died during the run; the end of its log ($log):" >&2
  tail -n 40 "$log" >&2
elif [ "$(status_of "$base/health/ready")" != 200 ]; then
  alive=""
  echo "schemathesis: the service is no longer ready after the run; the end of its log ($log):" >&2
  tail -n 40 "$log" >&2
fi
stop_service
trap - EXIT

if [ -f "$out/junit.xml" ]; then
  # One line for the log. JUnit has a test case per operation, plus "Stateful tests" and "Server"
  # when those went wrong.
  python3 - "$out/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
bad = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
line = f"schemathesis: {len(cases) - len(bad)} passed, {len(bad)} failed"
print(line + (f" ({'; '.join(bad)})" if bad else ""))
EOF
fi
if [ "$status" -ne 0 ] || [ -z "$alive" ]; then
  echo "schemathesis: FAILED (exit $status; reports and the service log are in $out/)" >&2
  exit 1
fi
