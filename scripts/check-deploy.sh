#!/usr/bin/env bash
# Deploy checks (issue 6): the Dockerfile, the container image, the Helm chart and the k8s/
# manifests. Each part needs a tool that a laptop may lack; there the part is skipped with a
# visible SKIP line, and in CI (CI=true) a missing tool is a failure.
#   1. dockerfilelint on the Dockerfiles (the service's and pipeline/Dockerfile).
#   2. Build the image (docker where a daemon answers, else buildah/podman through
#      ../shared/tools/container on a node:24-bookworm-slim stand-in with the Node version that
#      .ci/node.sh pins), run it read-only as in Kubernetes: golden predictions from
#      POST /predict, a non-root uid, and SIGTERM (podman/docker stop) ends it with exit 0 well
#      before the kill timeout; no shell, npm, sources, tests, dev dependencies or other
#      platforms' ONNX Runtime inside, and every production dependency still imports.
#      Then the pipeline's image on top of it (scripts/deploy/check-pipeline-image.sh): a small
#      training in it, published through its Node CLI, as the chart's retrain CronJob runs it.
#   3. Chart and manifests (scripts/deploy/*.test.ts, node:test): helm lint --strict, helm
#      template with default / GKE / built-in-model values, values.schema.json rejecting bad
#      values, every rendered object validated against the Kubernetes/GKE/Prometheus schemas,
#      the security context, probes, ports and annotations asserted, and kustomize's rendering
#      of k8s/ validated and compared with the chart's defaults.
#   4. Alert rules (scripts/deploy/alerts.test.ts): promtool check rules on the rules the chart
#      renders, promtool test rules with scripts/deploy/alerts/alerts.test.yaml.
#   5. Dashboards (scripts/deploy/dashboards.test.ts, metric-coverage.test.ts): current with
#      scripts/dashboards/, and every metric a panel or rule reads is in a real /metrics scrape.
#   6. infra/terraform (scripts/check-terraform.sh): tofu validate, fmt and test against the real
#      google provider, and a module with a typo that must fail validate.
# Environment: HELM, KUSTOMIZE, PROMTOOL (binaries), SHARED_DIR (default ../shared), SKIP_IMAGE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"
SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
failures=0
skip_or_fail() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: $1 (CI=true: the tool must be installed; see .ci/run)" >&2
    failures=$((failures + 1))
  else
    echo "SKIP: $1"
  fi
}

echo "== deploy: dockerfilelint"
npx --no-install dockerfilelint -c scripts/deploy Dockerfile pipeline/Dockerfile

echo "== deploy: container image"
engine=""
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker
elif command -v podman >/dev/null 2>&1 && command -v buildah >/dev/null 2>&1 &&
  [[ -x "$SHARED_DIR/tools/container/build.sh" ]]; then
  engine=podman
fi
if [[ "${SKIP_IMAGE:-}" == "1" && "${CI:-}" != "true" ]]; then
  echo "SKIP: image checks (SKIP_IMAGE=1)"
elif [[ -z "$engine" ]]; then
  skip_or_fail "image checks: no Docker daemon, and no buildah+podman with $SHARED_DIR/tools/container"
else
  bash scripts/deploy/check-image.sh "$engine" "$SHARED_DIR"
fi

echo "== deploy: chart and manifests"
HELM=${HELM:-$(command -v helm || true)}
if [[ -z "$HELM" ]]; then
  skip_or_fail "chart checks: no helm (go install helm.sh/helm/v3/cmd/helm@v3.22.0)"
else
  if [[ -z "${KUSTOMIZE:-}" ]]; then
    if command -v kustomize >/dev/null 2>&1; then
      KUSTOMIZE="kustomize build"
    elif command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
      KUSTOMIZE="kubectl kustomize"
    fi
  fi
  if [[ -z "${KUSTOMIZE:-}" ]]; then
    skip_or_fail "k8s/ checks: neither kustomize nor kubectl (go install sigs.k8s.io/kustomize/kustomize/v5)"
  fi
  PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
  if [[ -z "$PROMTOOL" ]]; then
    skip_or_fail "alert rule checks: no promtool (go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0)"
  fi
  HELM="$HELM" KUSTOMIZE="${KUSTOMIZE:-}" PROMTOOL="$PROMTOOL" \
    node --import tsx --test --test-reporter=spec scripts/deploy/*.test.ts
fi

# Infrastructure as code (issue 21): validate and test infra/terraform against the real google
# provider. Without ../shared it prints SKIP itself (and fails in CI).
echo "== deploy: terraform"
SHARED_DIR="$SHARED_DIR" bash scripts/check-terraform.sh

if ((failures > 0)); then
  echo "deploy checks: $failures part(s) could not run" >&2
  exit 1
fi
