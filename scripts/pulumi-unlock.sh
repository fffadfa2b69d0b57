#!/usr/bin/env bash
# Removes the lock of a Pulumi stack on a file backend, only when the process
# that holds it is gone. Use it instead of `pulumi cancel` after an
# interrupted `pulumi up`: `pulumi cancel` removes the lock whoever holds it,
# so a second update can start beside one that is still running.
#
# Usage (from the project directory, where Pulumi.yaml is):
#   scripts/pulumi-unlock.sh --stack NAME [--host-checked HOST]
#
#   --stack NAME          the stack (e.g. dev)
#   --host-checked HOST   the lock was taken on HOST, another machine, and you
#                         have checked there that its process is gone
#
# The backend is $PULUMI_BACKEND_URL (file://DIR). Each lock file,
# DIR/.pulumi/locks/organization/<project>/<stack>/<id>.json, names the
# host and pid of the process holding it. A lock is removed when it was taken
# on this host and that pid no longer runs, or when it was taken on the host
# given with --host-checked. Otherwise nothing is removed and the exit status
# is 1. Exit status 2: wrong invocation or no file backend. Exit status 3:
# the lock was removed, but the stack's checkpoint does not parse (the killed
# process was writing it): restore it with scripts/pulumi-restore.sh.
set -euo pipefail

SCRIPT_NAME=pulumi-unlock
# shellcheck source=scripts/lib/pulumi-file-backend.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pulumi-file-backend.sh"

stack="" checked_host=""
while (($# > 0)); do
  case "$1" in
    --stack) stack=${2:-}; shift 2 || usage ;;
    --host-checked) checked_host=${2:-}; shift 2 || usage ;;
    -h | --help) help; exit 0 ;;
    *) unknown_argument "$1" ;;
  esac
done
check_stack "$stack" "(organization/project/ names are not needed on a file backend)"
project=$(project_name)
state=$(file_backend_dir "this script reads the lock files of a file backend; for a bucket backend, list the locks under .pulumi/locks/ in the bucket and check their host and pid the same way")
locks="$state/.pulumi/locks/organization/$project/$stack"

shopt -s nullglob
files=("$locks"/*.json)
if ((${#files[@]} == 0)); then
  printf 'pulumi-unlock: stack %s is not locked (no lock file in %s); nothing to do\n' "$stack" "$locks"
  exit 0
fi

this_host=$(hostname)
refused=0
for file in "${files[@]}"; do
  read -r pid host user <<<"$(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${l.pid} ${l.hostname} ${l.username}`)' "$file" 2>/dev/null || echo '- - -')"
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || [[ -z "$host" || "$host" == - ]]; then
    printf 'pulumi-unlock: %s names no pid and host (unreadable lock); not removed. Check it by hand.\n' "$file" >&2
    refused=1
    continue
  fi
  if [[ "$host" != "$this_host" ]]; then
    if [[ "$host" != "$checked_host" ]]; then
      printf 'pulumi-unlock: stack %s is locked by pid %s on host %s (user %s), not this host (%s); this script cannot see that process. Check on %s that pid %s is gone, then run again with --host-checked %s. Not removed: %s\n' \
        "$stack" "$pid" "$host" "$user" "$this_host" "$host" "$pid" "$host" "$file" >&2
      refused=1
      continue
    fi
  elif kill -0 "$pid" 2>/dev/null || [[ -e "/proc/$pid" ]]; then
    command=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || ps -o args= -p "$pid" 2>/dev/null || true)
    printf 'pulumi-unlock: stack %s is locked by pid %s on this host (%s), which is still running (%s); wait for it to finish or stop it, then run again. Not removed: %s\n' \
      "$stack" "$pid" "$host" "${command% }" "$file" >&2
    refused=1
    continue
  fi
  rm -- "$file"
  rm -f -- "$file.attrs" # the file backend's metadata of that file, if any
  printf 'pulumi-unlock: removed the lock of stack %s held by pid %s on host %s, which is gone (%s)\n' "$stack" "$pid" "$host" "$file"
  removed=1
done

# A process killed while it wrote the checkpoint, or the metadata file the
# backend keeps beside it (<checkpoint>.attrs, written in place), can leave
# it empty (seen after a SIGKILL of `pulumi up`); every command then fails
# with "failed to load checkpoint". Say so, and what restores it.
checkpoint="$state/.pulumi/stacks/$project/$stack.json"
if ((${removed:-0})); then
  for file in "$checkpoint" "$checkpoint.attrs"; do
    if [[ -f "$file" ]] && ! parses "$file"; then
      printf 'pulumi-unlock: %s does not parse (the process that held the lock was writing it); restore the stack with scripts/pulumi-restore.sh --stack %s before the next update\n' "$file" "$stack" >&2
      exit 3
    fi
  done
fi
exit "$refused"
