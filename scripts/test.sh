#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it: lint and format, types, the service's tests,
# Schemathesis against the running service (its own Python virtual environment), the Python
# client example against the running service (its own virtual environment), then the
# training pipeline's tests (which set up their own Python virtual environment), then the
# deploy checks (image, Helm chart, k8s/; each skips visibly where its tool is missing, except in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint and format"
npx eslint .
npx prettier --check .
echo "== typecheck"
npx tsc --noEmit
# The client package compiles on its own settings too (DOM types, no Node types).
npx tsc -p clients/typescript --noEmit
# The web page and widget (web/): DOM types beside Node's.
npx tsc -p web --noEmit
echo "== service tests"
npm run --silent test:unit
echo "== hostile input (Schemathesis against the running service)"
bash scripts/test-schemathesis.sh
echo "== Python client example (against the running service)"
bash scripts/test-python-client.sh
echo "== pipeline tests"
bash scripts/test-pipeline.sh
echo "== deploy checks"
bash scripts/check-deploy.sh
