/**
 * `npm run bench:preview`: what `pulumi preview` and `pulumi up` cost for N
 * synthetic tenants (bench/synthetic-tenants.ts) against a real local
 * control plane (scripts/control-plane.sh), next to
 * `kubectl apply --server-side --dry-run=server` of the same manifests
 * (`mlp synth` output). Needs the tools of scripts/build-tools.sh.
 *
 * Pulumi's file backend serializes the whole snapshot after every step that
 * changes it, also in a preview (where it then discards it), so a preview of
 * many creates and an `up` grow quadratically; `PULUMI_SKIP_CHECKPOINTS=true`
 * keeps the snapshot in memory and writes it once at the end. Both modes
 * are measured: "checkpointed" is Pulumi's default, "one checkpoint" sets
 * the variable.
 *
 * For each N, on fresh control planes and fresh stacks (local file backend):
 * 1. checkpointed, while N ≤ --checkpointed-max: `pulumi preview` of the
 *    empty stack, then `pulumi up` (one run each);
 * 2. one checkpoint: `pulumi preview` of the empty stack (--reps runs),
 *    `pulumi up` (one run);
 * 3. nothing changed: `pulumi preview` in both modes and the kubectl dry run,
 *    interleaved;
 * 4. every tenant's quota changed: the same, with the manifests synthesized
 *    again.
 * The kubectl dry run cannot run against the empty cluster (its namespaced
 * objects need their namespace, its monitors the CRDs), so it is compared
 * in 3 and 4 only. Wall and client CPU time come from GNU time; the control
 * plane's CPU time (etcd, kube-apiserver, kube-controller-manager) from /proc.
 *
 * Options: --sizes 10,30,100  --reps 3  --checkpointed-max 30
 * --out FILE (also write the report there).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { ControlPlane, PulumiStack } from '../devkit/cluster';
import { REPO_ROOT } from '../devkit/repo-root';
import { toolEnv } from '../devkit/tools';
import { Run, machineDescription, measure, median } from './measure';
import { writeSyntheticProject } from './synthetic-tenants';

const MLP = path.join(REPO_ROOT, 'bin', 'mlp.js');

/** A run with the control plane's CPU time during it. */
interface Measured extends Run {
  readonly serverCpuMs: number;
}

const ONE_CHECKPOINT = { PULUMI_SKIP_CHECKPOINTS: 'true' };

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const wall = (runs: readonly Measured[]) => median(runs.map((run) => run.wallMs));
const cpu = (runs: readonly Measured[]) =>
  `client CPU ${seconds(median(runs.map((run) => run.cpuMs)))}, server CPU ${seconds(median(runs.map((run) => run.serverCpuMs)))}, ` +
  `client peak RSS ${median(runs.map((run) => run.maxRssMiB))?.toFixed(0) ?? '–'} MiB`;

/** A control plane and a stack of the tenants, torn down by `close`. */
class Setup {
  public readonly cluster: ControlPlane;
  public readonly stack: PulumiStack;
  public readonly manifests: string;
  private readonly projectDir: string;

  public constructor(
    private readonly dir: string,
    public readonly n: number,
    tenants: Record<string, string>,
    private readonly log: (text: string) => void,
  ) {
    this.cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    this.stack = new PulumiStack(path.join(dir, 'project'), `bench-${n}`, {
      kubeconfig: this.cluster.kubeconfig,
      skipAwait: true,
      platformFile: path.join(REPO_ROOT, 'platform.yaml'),
      tenants,
    });
    this.projectDir = path.dirname(this.stack.tenantsDir);
    this.manifests = path.join(this.projectDir, 'manifests');
    this.synth();
  }

  /** `mlp synth` of the stack's tenant files into {@link manifests}. */
  public synth(): void {
    measure('node', [MLP, 'synth', '--no-incremental', '--out', this.manifests], { cwd: this.projectDir });
  }

  /** Runs and measures a command, with the control plane's CPU time. */
  public timed(what: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Measured {
    const before = this.cluster.cpuMs();
    const run = measure(command, args, { cwd: REPO_ROOT, env, stdoutFile: path.join(this.dir, 'last-output.txt') });
    const result = { ...run, serverCpuMs: this.cluster.cpuMs() - before };
    this.log(`N=${this.n} ${what}: ${seconds(result.wallMs)} (client CPU ${seconds(result.cpuMs)}, server CPU ${seconds(result.serverCpuMs)})`);
    return result;
  }

  public pulumi(what: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Measured {
    const command = this.stack.command(args, extraEnv);
    return this.timed(what, 'pulumi', command.args, command.env);
  }

  public dryRun(what: string): Measured {
    const args = ['--kubeconfig', this.cluster.kubeconfig, 'apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager', 'mlp-bench'];
    return this.timed(what, 'kubectl', [...args, '-R', '-f', this.manifests], toolEnv());
  }

  public close(): void {
    this.cluster.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10,30,100' },
      reps: { type: 'string', default: '3' },
      'checkpointed-max': { type: 'string', default: '30' },
      out: { type: 'string' },
    },
  });
  const sizes = values.sizes!.split(',').map(Number);
  const reps = Number(values.reps);
  const checkpointedMax = Number(values['checkpointed-max']);
  const log = (text: string) => process.stderr.write(`bench:preview: ${text}\n`);
  const env = toolEnv();
  const pulumiVersion = measure('pulumi', ['version'], { cwd: REPO_ROOT, env }).stdout.trim();
  const kubectlVersion = JSON.parse(measure('kubectl', ['version', '--client', '-o', 'json'], { cwd: REPO_ROOT, env }).stdout).clientVersion.gitVersion;
  const lines = [
    '## Machine',
    '',
    ...machineDescription().map((line) => `- ${line}`),
    `- pulumi ${pulumiVersion}, kubectl ${kubectlVersion}, the API server and provider of scripts/build-tools.sh`,
    '',
    `Command: \`npm run bench:preview -- ${process.argv.slice(2).join(' ')}\` (medians of ${reps} interleaved runs, one run for \`pulumi up\` and for the checkpointed empty preview)`,
    '',
    '| N | objects | empty stack: preview, checkpointed | preview, one checkpoint | `pulumi up`, checkpointed | `pulumi up`, one checkpoint | unchanged: preview (checkpointed / one checkpoint) | kubectl dry run | checkpointed preview / kubectl | N quotas changed: preview (checkpointed / one checkpoint) | kubectl dry run | checkpointed preview / kubectl |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const details: string[] = [];

  for (const n of sizes) {
    const input = fs.mkdtempSync(path.join(os.tmpdir(), `mlp-bench-preview-${n}-`));
    const { tenantsDir } = writeSyntheticProject(input, n, path.join(REPO_ROOT, 'platform.yaml'));
    const tenants = Object.fromEntries(fs.readdirSync(tenantsDir).map((file) => [file, fs.readFileSync(path.join(tenantsDir, file), 'utf8')]));
    fs.rmSync(input, { recursive: true, force: true });
    const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), `mlp-bench-preview-${n}-`));

    let checkpointed: { preview: Measured; up: Measured } | undefined;
    if (n <= checkpointedMax) {
      const setup = new Setup(scratch(), n, tenants, log);
      try {
        const preview = setup.pulumi('checkpointed preview, empty stack', ['preview']);
        checkpointed = { preview, up: setup.pulumi('checkpointed pulumi up', ['up', '--yes', '--skip-preview']) };
      } finally {
        setup.close();
      }
    }

    const setup = new Setup(scratch(), n, tenants, log);
    try {
      const objects = countFiles(setup.manifests);
      const empty = Array.from({ length: reps }, () => setup.pulumi('one-checkpoint preview, empty stack', ['preview'], ONE_CHECKPOINT));
      const up = setup.pulumi('one-checkpoint pulumi up', ['up', '--yes', '--skip-preview'], ONE_CHECKPOINT);
      const interleaved = (what: string) => {
        const previews: Measured[] = [];
        const oneCheckpoint: Measured[] = [];
        const dryRuns: Measured[] = [];
        for (let rep = 0; rep < reps; rep++) {
          previews.push(setup.pulumi(`checkpointed preview, ${what}`, ['preview']));
          oneCheckpoint.push(setup.pulumi(`one-checkpoint preview, ${what}`, ['preview'], ONE_CHECKPOINT));
          dryRuns.push(setup.dryRun(`kubectl dry run, ${what}`));
        }
        return { previews, oneCheckpoint, dryRuns, steps: changedSteps(setup.stack) };
      };
      const unchanged = interleaved('unchanged');
      for (const file of fs.readdirSync(setup.stack.tenantsDir)) {
        setup.stack.writeTenant(file, setup.stack.readTenant(file).replace(/pods: (\d+)/, (_, pods) => `pods: ${Number(pods) + 1}`));
      }
      setup.synth();
      const changed = interleaved('every quota changed');

      const ratio = (a: readonly Measured[], b: readonly Measured[]) => (wall(a)! / wall(b)!).toFixed(1);
      const both = (runs: { previews: Measured[]; oneCheckpoint: Measured[] }) => `${seconds(wall(runs.previews))} / ${seconds(wall(runs.oneCheckpoint))}`;
      lines.push(
        `| ${n} | ${objects} | ${checkpointed ? seconds(checkpointed.preview.wallMs) : 'not run'} | ${seconds(wall(empty))} | ` +
          `${checkpointed ? seconds(checkpointed.up.wallMs) : 'not run'} | ${seconds(up.wallMs)} | ` +
          `${both(unchanged)} | ${seconds(wall(unchanged.dryRuns))} | ${ratio(unchanged.previews, unchanged.dryRuns)} | ` +
          `${both(changed)} | ${seconds(wall(changed.dryRuns))} | ${ratio(changed.previews, changed.dryRuns)} |`,
      );
      if (checkpointed) {
        details.push(`- N=${n}, checkpointed: empty-stack preview ${cpu([checkpointed.preview])}; \`pulumi up\` ${cpu([checkpointed.up])}`);
      }
      details.push(
        `- N=${n}, one checkpoint: empty-stack preview ${cpu(empty)}; \`pulumi up\` ${cpu([up])}`,
        `- N=${n}, unchanged (the preview found: ${unchanged.steps}): checkpointed preview ${cpu(unchanged.previews)}; one checkpoint ${cpu(unchanged.oneCheckpoint)}; kubectl ${cpu(unchanged.dryRuns)}`,
        `- N=${n}, every quota changed (the preview found: ${changed.steps}): checkpointed preview ${cpu(changed.previews)}; one checkpoint ${cpu(changed.oneCheckpoint)}; kubectl ${cpu(changed.dryRuns)}`,
      );
    } finally {
      setup.close();
    }
  }

  lines.push('', ...details, '', `Load average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`);
  const report = lines.join('\n') + '\n';
  process.stdout.write(report);
  if (values.out) fs.writeFileSync(values.out, report);
}

/** How many files are under `dir`. */
function countFiles(dir: string): number {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

/** The changes a preview reports now, counted by operation, e.g. "100 update". */
function changedSteps(stack: PulumiStack): string {
  const counts = new Map<string, number>();
  for (const change of stack.previewChanges()) {
    const op = change.split(' ')[0];
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return counts.size === 0 ? 'none' : [...counts].map(([op, count]) => `${count} ${op}`).join(', ');
}

main();
