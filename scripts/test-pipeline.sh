#!/usr/bin/env bash
# The training pipeline's checks in its pinned virtual environment (.venv), created or refreshed
# when pipeline/requirements.txt or requirements-dev.txt (tests and lint) changes.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=pipeline/requirements-dev.txt
stamp=.venv/.requirements.sha256
wanted=$(cat pipeline/requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setting up .venv from $requirements"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" > "$stamp"
fi
.venv/bin/ruff check pipeline
.venv/bin/ruff format --check pipeline
.venv/bin/python -m pytest pipeline/tests -q
