#!/usr/bin/env bash
# Restores a stack whose checkpoint on a file backend is corrupted (every
# command fails with "failed to load checkpoint") from Pulumi's own copies,
# then checks the result against the cluster.
#
# Usage (from the project directory, where Pulumi.yaml is):
#   scripts/pulumi-restore.sh --stack NAME [-- PREVIEW-ARGS...]
#
# PREVIEW-ARGS are passed to the check's `pulumi preview` (e.g. --config-file FILE).
#
# The backend is $PULUMI_BACKEND_URL (file://DIR); the checkpoint is
# DIR/.pulumi/stacks/<project>/<stack>.json. Steps:
#   1. refuse (exit 1) unless that file fails to parse as JSON;
#   2. copy it to <stack>.json.corrupt-<UTC time> beside it (it is never deleted);
#   3. take the newest (by modification time) copy that parses among <stack>.json.bak
#      and the files of DIR/.pulumi/history/<project>/<stack>/ and DIR/.pulumi/backups/<project>/<stack>/;
#   4. `pulumi stack import` its deployment ({"version": 3, "deployment": checkpoint.latest});
#   5. `pulumi preview --refresh --expect-no-changes`: exit 0 when the restored
#      state matches the cluster and the files; otherwise exit 1 with the preview's
#      output (review it; the next `pulumi up` applies it).
# Exit status 2: wrong invocation, no file backend, or no usable copy.
set -euo pipefail

SCRIPT_NAME=pulumi-restore
# shellcheck source=scripts/lib/pulumi-file-backend.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pulumi-file-backend.sh"

stack=""
preview_args=()
while (($# > 0)); do
  case "$1" in
    --stack) stack=${2:-}; shift 2 || usage ;;
    --) shift; preview_args=("$@"); break ;;
    -h | --help) help; exit 0 ;;
    *) unknown_argument "$1" ;;
  esac
done
check_stack "$stack"
project=$(project_name)
state=$(file_backend_dir "this script restores a file backend; a versioned bucket restores an earlier object version of .pulumi/stacks/$project/$stack.json instead (docs/deploy.md)")
root="$state/.pulumi"
checkpoint="$root/stacks/$project/$stack.json"
[[ -f "$checkpoint" ]] || die "no checkpoint $checkpoint (stack $stack of project $project); for a compressed one (.json.gz) restore by hand" 2


# The file backend (gocloud.dev fileblob) keeps each file's metadata beside
# it in <file>.attrs, written in place: a process killed at that moment
# leaves it empty, and every command then fails with "failed to load
# checkpoint: EOF" although the checkpoint itself is whole.
attrs="$checkpoint.attrs"
if parses "$checkpoint" && { [[ ! -e "$attrs" ]] || parses "$attrs"; }; then
  die "$checkpoint (and its .attrs) parse as JSON: it is not corrupted, nothing restored. To go back to an earlier state, see docs/deploy.md (State recovery)"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
saved="$checkpoint.corrupt-$stamp"
cp -p -- "$checkpoint" "$saved"
printf 'pulumi-restore: kept a copy of %s as %s\n' "$checkpoint" "$saved"
if [[ -e "$attrs" ]] && ! parses "$attrs"; then
  # Without the metadata file the backend reads the checkpoint as it is; it writes a new one on the next write.
  cp -p -- "$attrs" "$saved.attrs"
  rm -- "$attrs"
  printf 'pulumi-restore: %s does not parse; moved it to %s\n' "$attrs" "$saved.attrs"
fi

# The copies Pulumi keeps: the .bak (the checkpoint before the last write),
# the history copies and the backups (both taken at the end of each update).
# Each is a checkpoint file; the best one is the newest, by the time in its
# manifest, which every write sets. (Pending operations do not make a copy
# worse: an update after an interrupted one keeps them in its final state.)
shopt -s nullglob
candidates=("$checkpoint.bak" "$root/history/$project/$stack"/*.checkpoint.json "$root/backups/$project/$stack"/*.json)
shopt -u nullglob
import=$(mktemp "${TMPDIR:-/tmp}/pulumi-restore-XXXXXX.json")
trap 'rm -f -- "$import"' EXIT
source=$(node -e '
  const fs = require("fs");
  const [out, ...files] = process.argv.slice(1);
  const readable = [];
  for (const file of files) {
    try {
      const checkpoint = JSON.parse(fs.readFileSync(file, "utf8"));
      const latest = checkpoint?.checkpoint?.latest;
      if (checkpoint.version !== 3 || typeof latest !== "object" || latest === null) throw new Error("no checkpoint.latest");
      readable.push({ file, latest, time: Date.parse(latest.manifest?.time ?? "") || 0 });
    } catch (error) {
      if (error.code !== "ENOENT") console.error(`pulumi-restore: skipping ${file}: not a readable checkpoint (${error.message})`);
    }
  }
  readable.sort((a, b) => a.time - b.time);
  const best = readable.pop();
  if (best === undefined) process.exit(1);
  fs.writeFileSync(out, JSON.stringify({ version: 3, deployment: best.latest }));
  console.log(best.file);
' "$import" "${candidates[@]}") || source=""
[[ -n "$source" ]] || die "no readable copy of the checkpoint among ${candidates[*]}; the corrupted file is kept as $saved" 2
printf 'pulumi-restore: importing the deployment of %s\n' "$source"
# `pulumi stack import` loads the stack's checkpoint first and fails on an
# empty one ("failed to load checkpoint: EOF", as a killed update can leave
# it), so the readable copy, a checkpoint file of the same format, goes in
# place first (renamed in, so the file is never half-written); the import
# then checks and normalizes it like any other.
staged=$(mktemp "$checkpoint.restore-XXXXXX")
cp -- "$source" "$staged"
mv -f -- "$staged" "$checkpoint"
pulumi stack import --stack "$stack" --file "$import" --non-interactive

printf 'pulumi-restore: checking the restored state against the cluster: pulumi preview --refresh --expect-no-changes\n'
if pulumi preview --stack "$stack" --refresh --expect-no-changes --non-interactive "${preview_args[@]}"; then
  printf 'pulumi-restore: stack %s restored from %s; it matches the cluster\n' "$stack" "$source"
else
  die "stack $stack restored from $source, but the preview above shows changes: the copy is older than the cluster or the files changed since. Review the preview; \`pulumi up\` applies it"
fi
