# Sourced by .ci/run (or by hand: `source .ci/node.sh`): makes `node`, `npm` and `npx` on PATH
# the Node.js this project runs on. A machine whose node is older gets the official Linux build
# from the npm registry (package node-linux-<arch>, which holds only bin/node) and the npm that
# Node.js release bundles (package npm), unpacked once into a cache directory and put first on
# PATH. Nothing outside that directory is changed.
# Both versions are pinned: Node 24.22.3 ships npm 11.19.1 (its CHANGELOG).
LEAD_SCORING_NODE_VERSION=24.22.3
LEAD_SCORING_NPM_VERSION=11.19.1
# The oldest node accepted as it is: 24.11.0, the first Node 24 LTS (package.json "engines").
LEAD_SCORING_NODE_MINIMUM=24.11

# lead_scoring_at_least 24.22.3 24.11 → true: compares major, then minor.
lead_scoring_at_least() {
  local a=${1%%.*} b=${2%%.*} rest_a=${1#*.} rest_b=${2#*.}
  ((a != b)) && { ((a > b)); return; }
  ((${rest_a%%.*} >= ${rest_b%%.*}))
}

lead_scoring_use_node() {
  local want=$LEAD_SCORING_NODE_VERSION have
  have=$(node --version 2>/dev/null | tr -d v || true)
  if [[ -n "$have" ]] && lead_scoring_at_least "$have" "$LEAD_SCORING_NODE_MINIMUM"; then
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *)
      echo "no official Node.js build for $(uname -m); install Node $want yourself" >&2
      return 1
      ;;
  esac
  local dir=${XDG_CACHE_HOME:-$HOME/.cache}/lead-scoring/node-v$want-linux-$arch
  if [[ ! -x "$dir/bin/node" || ! -f "$dir/lib/node_modules/npm/bin/npm-cli.js" ]]; then
    echo "fetching node-linux-$arch@$want and npm@$LEAD_SCORING_NPM_VERSION into $dir" >&2
    # The machine's npm only downloads the two tarballs; everything after runs on the new node.
    local work
    work=$(mktemp -d)
    # Chained with &&: `set -e` has no effect inside a command that is followed by ||.
    (
      cd "$work" &&
        npm pack --silent "node-linux-$arch@$want" "npm@$LEAD_SCORING_NPM_VERSION" >/dev/null &&
        mkdir -p root/bin root/lib/node_modules/npm &&
        tar xzf "node-linux-$arch-$want.tgz" --strip-components=2 -C root/bin package/bin/node &&
        tar xzf "npm-$LEAD_SCORING_NPM_VERSION.tgz" --strip-components=1 -C root/lib/node_modules/npm &&
        # The official tarball's layout: bin/npm → ../lib/node_modules/npm/bin/npm-cli.js, whose
        # `#!/usr/bin/env node` finds the node next to it once bin/ is first on PATH.
        ln -s ../lib/node_modules/npm/bin/npm-cli.js root/bin/npm &&
        ln -s ../lib/node_modules/npm/bin/npx-cli.js root/bin/npx &&
        root/bin/node root/lib/node_modules/npm/bin/npm-cli.js --version >/dev/null &&
        mkdir -p "$(dirname "$dir")" &&
        rm -rf "$dir" &&
        mv root "$dir" # one rename: a half-unpacked directory is never left behind
    ) || {
      rm -rf "$work"
      echo "cannot fetch Node $want from the npm registry" >&2
      return 1
    }
    rm -rf "$work"
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
}

lead_scoring_use_node
