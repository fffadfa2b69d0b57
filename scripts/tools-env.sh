# shellcheck shell=bash
# Source me (bash):  source scripts/tools-env.sh
#
# Puts the tools built by scripts/build-tools.sh first on PATH and sets the
# Pulumi environment (PULUMI_HOME with the kubernetes plugin installed,
# PULUMI_SKIP_UPDATE_CHECK=1, no automatic plugin downloads, an empty
# PULUMI_CONFIG_PASSPHRASE unless one is set). Builds nothing: if a tool is
# missing it says so and returns 1 (run scripts/build-tools.sh first).
#
# The versions and cache location are defined only in build-tools.sh, which
# prints the export lines (`build-tools.sh --print-env`, no go invocation).

__mlp_tools_env() {
  local here lines
  here="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)" || return 1
  lines="$(bash "$here/build-tools.sh" --print-env)" || return 1
  eval "$lines"
}

if ! __mlp_tools_env; then
  unset -f __mlp_tools_env
  # `return` when sourced; `exit` if someone ran it as a script.
  # shellcheck disable=SC2317 # reached when executed instead of sourced
  return 1 2>/dev/null || exit 1
fi
unset -f __mlp_tools_env
