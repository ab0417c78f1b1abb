#!/usr/bin/env bash
# Debian packages the project needs beyond Python: Chromium for the browser tests and a CJK font
# for plots and PDFs; with --bench also wrk, the HTTP load generator of `make bench`, and nginx, the reverse
# proxy `make bench` puts in front of several `zhijian serve` processes (started by the bench, not as a service).
# Installed once; skipped when present. Needs root (CI and dev machines are).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # official PDFs as images (test-artifacts)
if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
fi
# axe-core (the accessibility rules the browser tests inject) from the npm registry into a cache dir, never
# committed; tests/web/test_a11y.py finds it at $ZHIJIAN_AXE_DIR (default ~/.cache/zhijian/axe).
AXE_DIR="${ZHIJIAN_AXE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zhijian/axe}"
axe() {
  [ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] && return 0
  mkdir -p "$AXE_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$AXE_DIR" axe-core@4.10 >/dev/null
  echo "system-deps: axe-core in $AXE_DIR"
}
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -eq 0 ]; then axe; exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "system-deps: missing ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
fc-cache -f >/dev/null 2>&1 || true
echo "system-deps: installed ${need[*]}"
axe
