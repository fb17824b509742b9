#!/usr/bin/env bash
# Infrastructure-as-code checks (issue 21), against the real hashicorp/google provider v7.45.0:
#   1. tofu fmt -check -recursive over infra/terraform;
#   2. tofu init -backend=false and tofu validate of every module and of environments/example;
#   3. tofu test in environments/example: plan-level tests with mock_provider "google" asserting
#      the security properties (tests/*.tftest.hcl);
#   4. negative checks: copies of a module with a misspelled argument and with a resource type the
#      provider does not have must fail validate, so a setup that checks nothing cannot pass.
# These machines reach no provider registry: ../shared/tools/terraform/setup.sh builds OpenTofu
# from the Go module proxy and unpacks the provider into a local mirror (cached under
# ~/.cache/lead-scoring/tofu-offline). Without ../shared this prints SKIP, except with CI=true,
# where it fails. Everything runs on a copy in a temporary directory: no .terraform/ or lock file
# is left in the tree.
# Environment: SHARED_DIR (default ../shared), TOFU_OFFLINE_DIR (the cache).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
setup=$SHARED_DIR/tools/terraform/setup.sh
export TOFU_OFFLINE_DIR=${TOFU_OFFLINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lead-scoring/tofu-offline}
skip_or_fail() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL: terraform checks: $1 (CI=true)" >&2
    exit 1
  fi
  echo "SKIP: terraform checks: $1"
  exit 0
}
[[ -x "$setup" ]] || skip_or_fail "no $setup (offline OpenTofu and the google provider)"
# setup.sh builds tofu with Go the first time; later runs reuse the cached binary.
command -v go >/dev/null || [[ -x "$TOFU_OFFLINE_DIR/bin/tofu" ]] ||
  skip_or_fail "no go to build OpenTofu with"

eval "$("$setup")"
# One unpacked provider for every init (symlinked), instead of a 132 MB copy per directory.
export TF_PLUGIN_CACHE_DIR=$TOFU_OFFLINE_DIR/plugin-cache
mkdir -p "$TF_PLUGIN_CACHE_DIR"
export TF_IN_AUTOMATION=1 TF_INPUT=0
echo "$(tofu version | head -1), hashicorp/google from $TOFU_OFFLINE_DIR/mirror"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r infra/terraform "$work/terraform"
rm -rf "$work"/terraform/{modules/*,environments/*}/.terraform "$work"/terraform/{modules/*,environments/*}/.terraform.lock.hcl

echo "== terraform: fmt"
tofu -chdir="$work/terraform" fmt -check -recursive -diff

init() { tofu -chdir="$1" init -backend=false -input=false -no-color >"$work/init.log" || {
  cat "$work/init.log" >&2
  return 1
}; }

echo "== terraform: validate"
for dir in "$work"/terraform/modules/* "$work"/terraform/environments/example; do
  init "$dir"
  tofu -chdir="$dir" validate -no-color | sed "s|^|${dir#"$work"/}: |"
done

echo "== terraform: test (mock_provider google)"
tofu -chdir="$work/terraform/environments/example" test -no-color

echo "== terraform: negative checks (each must fail validate)"
# expect_invalid NAME SED-SCRIPT PATTERN: a copy of the registry-bucket module, edited by
# SED-SCRIPT, must fail validate with a message matching PATTERN.
expect_invalid() {
  local copy=$work/negative-$1
  cp -r "$work/terraform/modules/registry-bucket" "$copy"
  sed -i "$2" "$copy/main.tf"
  init "$copy"
  if tofu -chdir="$copy" validate -no-color >"$copy.log" 2>&1; then
    echo "FAIL: validate accepted the module with $1; the checks above cannot be trusted" >&2
    exit 1
  fi
  if ! grep -q "$3" "$copy.log"; then
    echo "FAIL: validate rejected the module with $1, but not for that reason:" >&2
    cat "$copy.log" >&2
    exit 1
  fi
  echo "ok: $1 is rejected ($3)"
}
expect_invalid "a misspelled argument" 's/uniform_bucket_level_access/uniform_bucket_level_acces/' \
  'Unsupported argument'
expect_invalid "a resource type the provider lacks" \
  's/resource "google_storage_bucket" "this"/resource "google_storage_buckets" "this"/' \
  'Invalid resource type'
