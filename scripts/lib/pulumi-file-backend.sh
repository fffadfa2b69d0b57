# Shared by pulumi-unlock.sh and pulumi-restore.sh, which set SCRIPT_NAME and
# source this file: messages, the --stack check, the project's name and the
# directory of a file backend. Not a script of its own.

# die MESSAGE [STATUS]: print "SCRIPT_NAME: MESSAGE" on stderr and exit (status 1 by default).
die() { printf '%s: %s\n' "$SCRIPT_NAME" "$1" >&2; exit "${2:-1}"; }
# help: the calling script's header comment, without the comment marks.
help() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
usage() { help >&2; exit 2; }
unknown_argument() { printf '%s: unknown argument %q\n' "$SCRIPT_NAME" "$1" >&2; usage; }

# check_stack NAME [HINT]: a stack name given and made of letters, digits and ._- only.
check_stack() {
  [[ -n "$1" ]] || usage
  [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || die "--stack $1: a stack name has letters, digits and ._- only${2:+ $2}" 2
}

# project_name: the name: line of ./Pulumi.yaml.
project_name() {
  local name
  [[ -f Pulumi.yaml ]] || die "no Pulumi.yaml in $PWD; run this from the project directory" 2
  name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9._-]*\)[[:space:]]*$/\1/p' Pulumi.yaml | head -n 1)
  [[ -n "$name" ]] || die "Pulumi.yaml in $PWD has no name: line" 2
  echo "$name"
}

# file_backend_dir OTHERWISE: the directory of the file backend in
# $PULUMI_BACKEND_URL; for any other backend, exit 2 saying OTHERWISE.
file_backend_dir() {
  local backend=${PULUMI_BACKEND_URL:-}
  [[ "$backend" == file://* ]] || die "PULUMI_BACKEND_URL is '${backend}', not file://DIR: $1" 2
  echo "${backend#file://}"
}

# parses FILE: true when FILE holds one JSON value.
parses() { node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1" 2>/dev/null; }
