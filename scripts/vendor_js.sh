#!/usr/bin/env bash
# Install the pinned front-end libraries that v2c/render/network.py serves in place of CDN URLs
# (React, Babel, Tailwind play CDN, GSAP, anime.js, animate.css, Font Awesome) into
# v2c/render/vendor/node_modules. Needs npm and the npm registry once; rendering is offline after.
#
# Idempotent: skips when node_modules was installed from the current package.json and
# package-lock.json and every dependency folder is there. `--force` reinstalls.
# V2C_VENDOR_DIR installs elsewhere (network.py reads the same variable).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/v2c/render/vendor"
VENDOR_DIR="${V2C_VENDOR_DIR:-$SRC}"
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

mkdir -p "$VENDOR_DIR"
if [[ "$(cd "$VENDOR_DIR" && pwd)" != "$SRC" ]]; then
  cp "$SRC/package.json" "$SRC/package-lock.json" "$VENDOR_DIR/"
fi
cd "$VENDOR_DIR"

STAMP="node_modules/.v2c-vendor-stamp"
WANT="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"

all_present() {
  # The stamp proves what was installed; this catches folders deleted by hand since.
  command -v node >/dev/null 2>&1 || return 0
  node -e '
    const fs = require("fs");
    for (const d of Object.keys(require("./package.json").dependencies))
      if (!fs.existsSync(`node_modules/${d}/package.json`)) process.exit(1);
  '
}

if [[ $FORCE == 0 && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] && all_present; then
  echo "vendor: up to date in $VENDOR_DIR/node_modules"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "vendor: npm not found. Install Node.js and npm (Debian: apt-get install -y npm), then rerun $0" >&2
  exit 1
fi

echo "vendor: installing front-end libraries into $VENDOR_DIR/node_modules"
# --ignore-scripts: none of these packages needs an install step, and none should run one.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "$WANT" > "$STAMP"
echo "vendor: done ($(du -sh node_modules | cut -f1))"
