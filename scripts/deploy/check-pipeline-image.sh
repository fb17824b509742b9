#!/usr/bin/env bash
# Builds the pipeline's image (pipeline/Dockerfile) on top of the service's image just built, and
# runs it the way the chart's retrain CronJob does: uid 1000, read-only root, /tmp and HOME on a
# tmpfs, no capabilities, and no network (nothing in a local training needs one):
#   - `python -m pipeline --help`;
#   - a real small training on generated leads (the pipeline tests' synthetic data), published
#     with --promote-if-better into a registry folder mounted from the host, through the Node
#     registry CLI inside the image; the version, the alias and the lineage's commit are checked;
#   - no compilers, no tests and no development tools (pytest, ruff) inside.
# Prints the image's size. Called by check-image.sh, which passes its service image's tag.
# Usage: check-pipeline-image.sh docker|podman SHARED_DIR SERVICE_IMAGE
#
# A warm machine downloads no wheels again (~1 GB) and installs none again:
#   - the Dockerfile's wheelhouse is a build cache mount (id lead-scoring-pipeline-wheels; buildah
#     keeps it in /var/tmp/buildah-cache), so a changed requirements.txt downloads only what
#     changed;
#   - the last build stays tagged $cache_tag, because buildah's layer cache is the intermediate
#     images, which removing the only tag would delete too: with requirements.txt and the base
#     unchanged, the next build reuses the installed layer and redoes only the copies above it.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=$1
shared=$2
service_image=$3
name=lead-scoring-pipeline-check-$$-$RANDOM
tag=localhost/lead-scoring-pipeline:$name
cache_tag=localhost/lead-scoring-pipeline:check-cache
python_base=localhost/python:3.11-slim-bookworm
work=$(mktemp -d)

cleanup() {
  # Once the build is kept as $cache_tag, this only removes the run's own tag.
  "$engine" rmi "$tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The generated leads come from the pipeline tests' own generator, in the pipeline's venv.
python=.venv/bin/python
[[ -x "$python" ]] || { echo "no .venv: run scripts/test-pipeline.sh first (it makes it)" >&2; exit 1; }

echo "-- build the pipeline image ($engine)"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
build_args=(--build-arg SERVICE_IMAGE="$service_image" --build-arg GIT_COMMIT="$commit")
start=$(date +%s)
if [[ "$engine" == docker ]]; then
  docker build -q -f pipeline/Dockerfile -t "$tag" "${build_args[@]}" . >/dev/null
  run=(docker run)
else
  bash scripts/deploy/python-base-image.sh
  # pip reaches PyPI through this machine's TLS setup: lend the build its pip config (build.sh
  # lends the CA bundle it names); neither ends up in the image.
  mounts=()
  [[ -f /etc/pip.conf ]] && mounts+=(-v /etc/pip.conf:/etc/pip.conf:ro)
  source .ci/node.sh
  BASE_IMAGE=localhost/node:${LEAD_SCORING_NODE_VERSION%%.*}-bookworm-slim \
    "$shared/tools/container/build.sh" "$tag" . -f pipeline/Dockerfile \
    --ignorefile pipeline/Dockerfile.dockerignore --build-arg PYTHON_BASE="$python_base" \
    "${build_args[@]}" "${mounts[@]}" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; exit 1; }
  # runc and explicit ulimits: see ../shared/tools/container/README.md.
  run=(podman run --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
fi
echo "built in $(($(date +%s) - start)) s"
# Keep this build's layers for the next run (see above), and only the newest build's.
previous=$("$engine" image inspect "$cache_tag" --format '{{.Id}}' 2>/dev/null || true)
"$engine" tag "$tag" "$cache_tag"
if [[ -n "$previous" && "$previous" != "$("$engine" image inspect "$tag" --format '{{.Id}}')" ]]; then
  "$engine" rmi "$previous" >/dev/null 2>&1 || true # still in use by a parallel run: left to it
fi
size=$("$engine" image inspect "$tag" --format '{{.Size}}')
echo "pipeline image size: $((size / 1000 / 1000)) MB"

# As the chart's CronJob runs it (helm/lead-scoring/templates/retrain-cronjob.yaml).
run+=(--rm --read-only --tmpfs /tmp --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges
  --network none -e HOME=/tmp -e PYTHONDONTWRITEBYTECODE=1 -e PYTHONUNBUFFERED=1)

"${run[@]}" "$tag" python -m pipeline --help | grep -q "retrain" ||
  { echo "python -m pipeline --help does not list retrain" >&2; exit 1; }
echo "ok: python -m pipeline --help"

# What the image must not hold: compilers, the tests, development tools.
present=$("${run[@]}" "$tag" python -c '
import importlib.util, os, shutil, sys
found = [c for c in ("gcc", "cc", "g++", "c++", "clang", "make") if shutil.which(c)]
found += [p for p in ("/app/pipeline/tests", "/app/pipeline/Dockerfile") if os.path.exists(p)]
found += [m for m in ("pytest", "ruff") if importlib.util.find_spec(m)]
print(" ".join(found))')
[[ -z "$present" ]] || { echo "the pipeline image holds what it must not: $present" >&2; exit 1; }
echo "ok: no compilers, tests or development tools"

# A real training, published into a registry folder on the host through the image's Node CLI.
mkdir -p "$work/data" "$work/registry"
"$python" -c '
import sys
from pathlib import Path
from pipeline.tests.conftest import HEADER, synthetic_rows, write_csv
write_csv(Path(sys.argv[1]), HEADER, synthetic_rows(1200))' "$work/data/leads.csv"
chown 1000:1000 "$work/registry" 2>/dev/null || chmod 0777 "$work/registry"
start=$(date +%s)
"${run[@]}" -v "$work/data:/data:ro" -v "$work/registry:/registry" "$tag" \
  python -m pipeline run --data /data/leads.csv --preset lead-scoring --allow-missing-preset-columns \
  --n-estimators 20 --name smoke --registry /registry --promote-if-better >"$work/run.log" 2>&1 ||
  { tail -30 "$work/run.log"; echo "training in the image failed" >&2; exit 1; }
"$python" -c '
import json, sys
from pathlib import Path
model = Path(sys.argv[1]) / "smoke"
alias = json.loads((model / "aliases" / "production.json").read_text())
lineage = json.loads((model / "1.0.0" / "metadata.json").read_text())["lineage"]
assert alias["version"] == "1.0.0", alias
assert lineage["git_commit"] == sys.argv[2], lineage
' "$work/registry" "$commit" || { tail -30 "$work/run.log"; exit 1; }
echo "ok: trained, published and promoted smoke 1.0.0 in the image in $(($(date +%s) - start)) s" \
  "(uid 1000, read-only root, no network)"
