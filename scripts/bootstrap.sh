#!/usr/bin/env bash
# Makes a fresh Debian/Ubuntu machine with only Node ready for the demo and the tests:
#   1. pnpm at the version pinned in package.json ("packageManager"),
#   2. the workspace's dependencies from the lockfile (frozen: CI and users get the same tree),
#   3. the Debian packages of the local S3 (Ceph radosgw), via test/local-stack/stack.sh install.
# Each step is skipped when already done, so running it before every command costs ~1 s.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[bootstrap] $*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "bootstrap: Node $(node --version) found; Node 20.19 or newer is required" >&2
  exit 1
fi

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  say "installing pnpm $want (found: ${have:-none})"
  if [ "$(id -u)" = 0 ] || [ -w "$(npm prefix -g)/lib" ]; then
    npm install -g --silent "pnpm@$want" >&2
  else
    # Not root: a user-level prefix, put first on PATH for this and later commands.
    npm install -g --silent --prefix "$HOME/.local" "pnpm@$want" >&2
    export PATH="$HOME/.local/bin:$PATH"
    say "pnpm installed in ~/.local/bin: add it to your PATH"
  fi
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "installing dependencies (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=silent >&2
fi

bash test/local-stack/stack.sh install
