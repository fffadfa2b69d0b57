/**
 * A stand-in `pulumi` executable for the unit tests of the fan-out
 * (deploy/): put its folder first on PATH and it records every call (working
 * directory and arguments), answers `stack ls --json` and `stack init` from
 * a list of stacks, and lets `up` and `preview` succeed or fail per stack;
 * FAKE_PULUMI_WARN makes a stack's program print warnings, FAKE_PULUMI_ERRORS
 * sets how many more error lines a failure prints (default 0) before its last;
 * `preview --json` prints no steps, or with `--refresh` one drifted object
 * for the stacks in FAKE_PULUMI_DRIFT.
 * The end-to-end test (test/e2e/fan-out.test.ts) runs the real CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fake pulumi in a scratch folder. */
export interface FakePulumi {
  /** Environment for the fan-out's pulumi processes: the fake first on PATH, its settings. */
  readonly env: NodeJS.ProcessEnv;
  /** Every call so far as `<cwd>|<args joined by spaces>`, in order. */
  calls(): string[];
  /** For each `up`/`preview`: the stack and how many stacks were running at its start, itself included. */
  concurrency(): Array<{ stack: string; running: number }>;
}

const SCRIPT = `#!/usr/bin/env bash
set -u
dir="$FAKE_PULUMI_DIR"
echo "$PWD|$*" >> "$dir/calls.log"
stack=""
args=("$@")
for ((i = 0; i < $#; i++)); do [ "\${args[i]}" = "--stack" ] && stack="\${args[i+1]}"; done
case "$1 \${2:-}" in
  "stack ls")
    printf '['; sep=''
    while read -r name; do [ -n "$name" ] && printf '%s{"name": "%s", "current": false}' "$sep" "$name" && sep=', '; done < "$dir/stacks.txt"
    printf ']\\n'; exit 0 ;;
  "stack init")
    if grep -qx "$3" "$dir/stacks.txt"; then echo "error: stack 'organization/mlp/$3' already exists" >&2; exit 1; fi
    if echo " \${FAKE_PULUMI_FAIL_INIT:-} " | grep -q " $3 "; then echo "error: fake init failure of $3" >&2; exit 1; fi
    echo "$3" >> "$dir/stacks.txt"
    printf 'encryptionsalt: v1:fake-salt-%s\\n' "$3" > "Pulumi.$3.yaml"
    echo "Created stack '$3'"; exit 0 ;;
esac
mkdir -p "$dir/running" "$dir/started"
touch "$dir/running/$stack" "$dir/started/$stack"
echo "$stack $(ls "$dir/running" | wc -l)" >> "$dir/concurrency.log"
# A barrier: wait (at most 20 s) until FAKE_PULUMI_BARRIER tenant stacks have started, which only
# happens when the runner runs that many at the same time.
if [ -n "\${FAKE_PULUMI_BARRIER:-}" ] && [ "$stack" != platform ]; then
  for ((i = 0; i < 200; i++)); do
    [ "$(ls "$dir/started" | grep -c '^tenant-')" -ge "$FAKE_PULUMI_BARRIER" ] && break
    sleep 0.1
  done
fi
status=0
json=""; refresh=""
for arg in "$@"; do [ "$arg" = --json ] && json=1; [ "$arg" = --refresh ] && refresh=1; done
if [ -n "$json" ]; then
  # pulumi preview --json: no steps, or with --refresh for a stack in FAKE_PULUMI_DRIFT, one drifted Deployment.
  if echo " \${FAKE_PULUMI_FAIL:-} " | grep -q " $stack "; then
    echo "error: fake failure of $stack" >&2; status=1
  elif [ -n "$refresh" ] && echo " \${FAKE_PULUMI_DRIFT:-} " | grep -q " $stack "; then
    tenant="\${stack#tenant-}"
    printf '{"steps": [{"op": "same", "urn": "urn:pulumi:%s::mlp::pulumi:pulumi:Stack::mlp-%s"}, {"op": "update", "urn": "urn:pulumi:%s::mlp::mlp:index:Tenant$kubernetes:apps/v1:Deployment::%s/deployment-chat", "detailedDiff": {"spec.replicas": {"kind": "update"}}}]}\n' "$stack" "$stack" "$stack" "$tenant"
  else
    printf '{"steps": []}\n'
  fi
  rm -f "$dir/running/$stack"
  exit $status
fi
# FAKE_PULUMI_WARN: stacks whose program warns, as pulumi prints diagnostics (one mlp: warning, one other).
if echo " \${FAKE_PULUMI_WARN:-} " | grep -q " $stack "; then
  echo "Diagnostics:"
  echo "  pulumi:pulumi:Stack (mlp-$stack):"
  echo "    warning: mlp: fake warning of $stack"
  echo "    warning: some other warning of $stack"
fi
if echo " \${FAKE_PULUMI_FAIL:-} " | grep -q " $stack "; then
  for ((i = 1; i <= \${FAKE_PULUMI_ERRORS:-0}; i++)); do echo "    error: fake failure $i of $stack"; done
  echo "error: fake failure of $stack"; status=1
else
  echo "Previewing $1 ($stack):"
  echo "    ~ kubernetes:core/v1:ResourceQuota x/resourcequota-tenant-quota update [diff: ~spec]"
  echo ""
  echo "Resources:"
  echo "    ~ 1 to update"
  echo "    4 unchanged"
fi
rm -f "$dir/running/$stack"
exit $status
`;

/** Creates the fake with these existing stacks; `settings` are added to its environment (FAKE_PULUMI_FAIL etc.). */
export function fakePulumi(existing: readonly string[] = [], settings: Record<string, string> = {}): FakePulumi {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-pulumi-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'pulumi'), SCRIPT, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'stacks.txt'), existing.map((stack) => `${stack}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
  fs.writeFileSync(path.join(dir, 'concurrency.log'), '');
  const lines = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => line !== '');
  return {
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, FAKE_PULUMI_DIR: dir, ...settings },
    calls: () => lines('calls.log'),
    concurrency: () =>
      lines('concurrency.log').map((line) => {
        const [stack, running] = line.split(' ');
        return { stack, running: Number(running) };
      }),
  };
}
