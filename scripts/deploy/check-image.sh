#!/usr/bin/env bash
# Builds the image and checks it the way Kubernetes runs it: read-only root filesystem with a
# writable /tmp, all capabilities dropped, no privilege escalation.
# Usage: check-image.sh docker|podman SHARED_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=$1
shared=$2
tag=localhost/lead-scoring:deploy-check
name=lead-scoring-deploy-check-$$
port=${CHECK_PORT:-18089}
stop_timeout=30
version=$(node -p 'require("./package.json").version')

echo "-- build ($engine)"
if [[ "$engine" == docker ]]; then
  docker build -q -t "$tag" --build-arg VERSION="$version" . >/dev/null
  run=(docker run)
else
  # The stand-in for the Dockerfile's node:24-bookworm-slim, with the Node that CI pins.
  source .ci/node.sh
  NODE_VERSION=$LEAD_SCORING_NODE_VERSION BASE_IMAGE=localhost/node:${LEAD_SCORING_NODE_VERSION%%.*}-bookworm-slim \
    "$shared/tools/container/build.sh" "$tag" . --build-arg VERSION="$version" >/tmp/"$name"-build.log 2>&1 ||
    { tail -40 /tmp/"$name"-build.log; exit 1; }
  # runc and explicit ulimits: see ../shared/tools/container/README.md.
  run=(podman run --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
fi
size=$("$engine" image inspect "$tag" --format '{{.Size}}')
echo "image size: $((size / 1000 / 1000)) MB"

labels=$("$engine" image inspect "$tag" --format '{{json .Config.Labels}}')
for key in source version licenses; do
  node -e 'const l = JSON.parse(process.argv[1]); const k = "org.opencontainers.image." + process.argv[2];
    if (!l[k]) { console.error("missing OCI label " + k); process.exit(1); }' "$labels" "$key"
done
echo "ok: OCI labels source, version, licenses"

cleanup() { "$engine" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"${run[@]}" -d --name "$name" --network host --read-only --tmpfs /tmp \
  --cap-drop ALL --security-opt no-new-privileges \
  -e PORT="$port" -e DRAIN_SECONDS=2 -e SHUTDOWN_TIMEOUT_SECONDS=10 "$tag" >/dev/null
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null ||
  { "$engine" logs "$name" | tail -20; echo "not ready after 60 s" >&2; exit 1; }
echo "ok: ready on a read-only root filesystem"

uid=$("$engine" exec "$name" id -u)
[[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 ]] || { echo "runs as uid $uid" >&2; exit 1; }
pid1=$("$engine" exec "$name" cat /proc/1/cmdline | tr '\0' ' ')
[[ "$pid1" == node* ]] || { echo "PID 1 is '$pid1', not node" >&2; exit 1; }
echo "ok: PID 1 is node, uid $uid"

"$engine" exec "$name" lead-scoring --help | grep -q "^Usage: lead-scoring" ||
  { echo "lead-scoring is not on PATH in the image" >&2; exit 1; }
echo "ok: the lead-scoring CLI is on PATH"

# The image serves the newest version under models/lead-scoring; its golden rows must come back.
golden=models/lead-scoring/$(ls models/lead-scoring | sort -V | tail -1)/golden.json
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const golden = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const res = await fetch(`http://127.0.0.1:${process.argv[1]}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: golden.rows.map((r) => r.instance) }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`POST /predict: ${res.status} ${JSON.stringify(body)}`);
  const bad = golden.rows.filter((r, i) => !(Math.abs(body.predictions[i] - r.prediction) <= golden.tolerance));
  if (body.predictions.length !== golden.rows.length || bad.length > 0)
    throw new Error(`${bad.length} of ${golden.rows.length} predictions differ from golden.json`);
  console.log(`ok: POST /predict matches ${process.argv[2]} on ${golden.rows.length} rows (tolerance ${golden.tolerance})`);
' "$port" "$golden"

start=$(date +%s)
"$engine" stop -t "$stop_timeout" "$name" >/dev/null
elapsed=$(($(date +%s) - start))
code=$("$engine" inspect "$name" --format '{{.State.ExitCode}}')
[[ "$code" == 0 ]] || { "$engine" logs "$name" | tail -20; echo "exit code $code after SIGTERM" >&2; exit 1; }
# Drain is 2 s: a clean exit takes a few seconds; reaching the timeout means SIGKILL.
((elapsed < stop_timeout / 2)) || { echo "stop took ${elapsed}s (timeout ${stop_timeout}s)" >&2; exit 1; }
echo "ok: SIGTERM -> exit 0 in ${elapsed}s (kill timeout ${stop_timeout}s)"
