#!/usr/bin/env bash
# Builds the image and checks it the way Kubernetes runs it: read-only root filesystem with a
# writable /tmp, all capabilities dropped, no privilege escalation; and checks what it must not
# hold (a shell, npm, TypeScript sources, tests, dev dependencies, other platforms' ONNX Runtime).
# Then builds and runs the pipeline's image on top of it (check-pipeline-image.sh).
# Usage: check-image.sh docker|podman SHARED_DIR
# The tag is unique to this run (checks may run side by side on one machine) and is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=$1
shared=$2
name=lead-scoring-deploy-check-$$-$RANDOM
tag=localhost/lead-scoring:$name
port=${CHECK_PORT:-18089}
stop_timeout=30
version=$(node -p 'require("./package.json").version')

cleanup() {
  "$engine" rm -f "$name" >/dev/null 2>&1 || true
  "$engine" rmi -f "$tag" >/dev/null 2>&1 || true
  rm -f /tmp/"$name"-build.log
}
trap cleanup EXIT

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
"$engine" history "$tag" --format '{{.Size}}\t{{.CreatedBy}}' | cut -c1-110 | grep -v '^0 B' || true

labels=$("$engine" image inspect "$tag" --format '{{json .Config.Labels}}')
for key in source version licenses; do
  node -e 'const l = JSON.parse(process.argv[1]); const k = "org.opencontainers.image." + process.argv[2];
    if (!l[k]) { console.error("missing OCI label " + k); process.exit(1); }' "$labels" "$key"
done
echo "ok: OCI labels source, version, licenses"

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
curl -fsS "http://127.0.0.1:$port/app/" | grep -q '<title>Lead scoring</title>' ||
  { echo "the web page is not served at /app/" >&2; exit 1; }
echo "ok: the web page is served at /app/"

# The image has no shell or coreutils: node answers for it.
in_image() { "$engine" exec "$name" node -e "$1"; }
uid=$(in_image 'console.log(process.getuid())')
[[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 ]] || { echo "runs as uid $uid" >&2; exit 1; }
pid1=$(in_image 'process.stdout.write(require("fs").readFileSync("/proc/1/cmdline"))' | tr '\0' ' ')
[[ "$pid1" == node* ]] || { echo "PID 1 is '$pid1', not node" >&2; exit 1; }
echo "ok: PID 1 is node, uid $uid"

"$engine" exec "$name" lead-scoring --help | grep -q "^Usage: lead-scoring" ||
  { echo "lead-scoring is not on PATH in the image" >&2; exit 1; }
echo "ok: the lead-scoring CLI is on PATH"

# What the image must not hold. Each path is relative to /app unless absolute.
absent=(src test docs scripts web tsconfig.json node_modules/typescript node_modules/@observablehq
  node_modules/papaparse node_modules/esbuild node_modules/eslint node_modules/tsx
  node_modules/autocannon node_modules/onnxruntime-node/bin/napi-v6/darwin
  node_modules/onnxruntime-node/bin/napi-v6/win32 node_modules/onnxruntime-node/bin/napi-v6/linux/arm64
  /bin/sh /bin/bash /usr/bin/apt-get /usr/bin/perl /usr/local/bin/npm /usr/local/bin/npx
  /usr/local/bin/corepack /usr/local/lib/node_modules /usr/share/locale)
present=$(in_image 'const fs = require("fs");
  for (const p of process.argv.slice(1)) if (fs.existsSync(p)) console.log(p);' "${absent[@]}")
[[ -z "$present" ]] || { echo "the image holds what it must not: $present" >&2; exit 1; }
# No TypeScript source anywhere under /app (declarations were pruned from node_modules too).
ts=$(in_image 'const fs = require("fs");
  console.log(fs.readdirSync("/app", { recursive: true }).filter((f) => /\.[cm]?ts$/.test(f)).slice(0, 5).join(" "))')
[[ -z "$ts" ]] || { echo "TypeScript files in the image: $ts" >&2; exit 1; }
# Pruning node_modules must leave every production dependency loadable (the GCS client is only
# imported for gs:// models, so this is the check that it still works).
in_image 'const deps = Object.keys(require("/app/package.json").dependencies);
  Promise.all(deps.map((d) => import(d))).then(() => console.log(`ok: ${deps.length} production dependencies import`),
    (e) => { console.error(e); process.exit(1); })'
echo "ok: no shell, npm, sources, tests, dev dependencies or other platforms' ONNX Runtime"

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

# The pipeline's image copies Node.js and the CLI from this one: built and run while it exists.
bash scripts/deploy/check-pipeline-image.sh "$engine" "$shared" "$tag"
