#!/usr/bin/env bash
# Idempotent set-up: a virtualenv in .venv with torch pinned first, a Chromium, vendored JS libraries.
# Each part is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.v2c-installed"

# 1. Python environment. torch goes in first and stays pinned: any range that admits a newer torch
#    would otherwise pull a multi-GB CUDA build (see constraints.txt).
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ constraints.txt -nt "$STAMP" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "$(grep '^torch==' constraints.txt)"
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e '.[all,test]'
  touch "$STAMP"
fi

# 2. Chromium: a system one when present; Debian's packages as root; else Playwright's download.
have_chromium() {
  [ -n "${V2C_CHROMIUM:-}" ] && [ -x "${V2C_CHROMIUM}" ] && return 0
  [ -x /usr/lib/chromium/chromium-headless-shell ] && return 0
  compgen -G "$HOME/.cache/ms-playwright/chromium_headless_shell-*" > /dev/null && return 0
  return 1
}
if ! have_chromium; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "Installing Debian's chromium and chromium-headless-shell ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell > /dev/null
  else
    echo "Installing Chromium through Playwright ..."
    "$VENV/bin/playwright" install chromium chromium-headless-shell || true
  fi
fi
if ! have_chromium; then
  echo "ERROR: no Chromium headless shell could be installed." >&2
  echo "  Debian/Ubuntu as root: apt-get install -y chromium chromium-headless-shell" >&2
  echo "  with internet:          .venv/bin/playwright install chromium chromium-headless-shell" >&2
  echo "  or set V2C_CHROMIUM to a chrome-headless-shell binary." >&2
  exit 1
fi

# 3. Front-end libraries that generated pages load from CDNs, served offline by the renderer.
bash scripts/vendor_js.sh
