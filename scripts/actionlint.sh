#!/usr/bin/env bash
# Lint the GitHub Actions workflows (.github/workflows/) with actionlint, built
# from its Go module with the machine's Go into a version-keyed cache outside
# the repository (the same cache as scripts/build-tools.sh):
#
#   ${MLP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlp-tools}/actionlint-<version>/bin/actionlint
#
# Usage:
#   scripts/actionlint.sh               build if missing, then lint every workflow
#   scripts/actionlint.sh --install     build if missing, lint nothing
#   scripts/actionlint.sh --print-path  print the binary's path (never builds)
#
# Only the Go module proxy is needed. The workflow lint test
# (test/ci/workflows.test.ts) runs the cached binary when it is there.

set -euo pipefail

ACTIONLINT_VERSION=v1.7.12

CACHE="${MLP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlp-tools}"
DIR="$CACHE/actionlint-$ACTIONLINT_VERSION"
BIN="$DIR/bin/actionlint"

log() { printf '[actionlint] %s\n' "$*" >&2; }

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go > /dev/null || { log "ERROR: go is not installed; it builds actionlint from github.com/rhysd/actionlint"; exit 1; }
  mkdir -p "$CACHE/logs"
  local staging
  staging="$(mktemp -d "$CACHE/.actionlint-XXXXXX")"
  log "building actionlint $ACTIONLINT_VERSION into $DIR (log: $CACHE/logs/actionlint-$ACTIONLINT_VERSION.log)"
  if ! GOBIN="$staging/bin" GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
      > "$CACHE/logs/actionlint-$ACTIONLINT_VERSION.log" 2>&1; then
    rm -rf "$staging"
    log "ERROR: go install failed:"; tail -n 20 "$CACHE/logs/actionlint-$ACTIONLINT_VERSION.log" >&2; exit 1
  fi
  # Appears only once complete, so an interrupted build is redone next time.
  rm -rf "$DIR"
  mv "$staging" "$DIR"
}

case "${1:-}" in
  --print-path) echo "$BIN" ;;
  --install) install ;;
  '')
    install
    cd "$(dirname "$0")/.."
    "$BIN" -no-color .github/workflows/*.yml
    log "workflows lint clean"
    ;;
  *) log "unknown argument $1; see the comment at the top of $0"; exit 2 ;;
esac
