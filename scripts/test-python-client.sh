#!/usr/bin/env bash
# The Python client example (clients/python/score_leads.py) linted and tested against the real
# service, in its own virtual environment (.venv-clients-python) from
# clients/python/requirements-test.txt, refreshed when that file or requirements.txt changes.
# Without python3 or PyPI it skips with a message, except in CI (CI=true), where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-clients-python
dir=clients/python

unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "python client: $1 (required in CI)" >&2
    exit 1
  fi
  echo "SKIPPED python client: $1 (CI=true makes this a failure)"
  exit 0
}

command -v python3 >/dev/null 2>&1 || unavailable "python3 not found"
stamp="$venv/.requirements.sha256"
wanted=$(cat "$dir/requirements.txt" "$dir/requirements-test.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/pytest" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setting up $venv from $dir/requirements-test.txt"
  rm -f "$stamp"
  python3 -m venv "$venv" || unavailable "python3 -m venv failed"
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$dir/requirements-test.txt" || unavailable "cannot install $dir/requirements-test.txt (is PyPI reachable?)"
  echo "$wanted" >"$stamp"
fi

"$venv/bin/ruff" check "$dir"
"$venv/bin/ruff" format --check "$dir"
(cd "$dir" && "../../$venv/bin/python" -m pytest -q)
