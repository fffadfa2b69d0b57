#!/usr/bin/env bash
# Reports drift: the objects of the stack that differ in the cluster from what
# the last update deployed (changed by hand, by kubectl, by a controller, or
# deleted), per tenant, and changes nothing (two previews; no state is written).
#
# Usage (from the repository root, after `npm run build`, with the stack's
# PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE and kubeconfig, as for pulumi up):
#   scripts/drift-report.sh [PULUMI PREVIEW OPTIONS...]     e.g. --stack dev
#
# It runs `pulumi preview --json` (the program against the recorded state: the
# changes of the files) and `pulumi preview --refresh --json` (the program
# against the live objects: those changes and the drift); what only the second
# shows is drift (review/drift.ts). The next `pulumi up --refresh` repairs it.
#
# Exit status: 0 no drift, 1 drift (listed on stdout), 2 a preview failed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mlp-drift.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

preview() {
  local name=$1
  shift
  if ! (cd "$ROOT" && pulumi preview --json --non-interactive "$@") > "$WORK/$name.json" 2> "$WORK/$name.err"; then
    printf 'drift-report: pulumi preview %s failed:\n' "$*" >&2
    cat "$WORK/$name.err" "$WORK/$name.json" >&2
    exit 2
  fi
}

preview plain "$@"
preview refreshed --refresh "$@"
status=0
node "$ROOT/build/review/drift.js" "$WORK/plain.json" "$WORK/refreshed.json" || status=$?
exit "$status"
