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
 * 5. one tenant's quota changed (issue 18): the single stack's `pulumi
 *    preview` (one checkpoint, --reps runs) against the same change as a
 *    pull request of split stacks (bench/split-stacks.ts): `mlp affected
 *    --base HEAD` and then `mlp preview` of the stacks it lists, on a control
 *    plane of their own where the platform stack and the changed tenant's
 *    stack are deployed (a tenant stack's preview reads no other tenant
 *    stack), or, for N ≤ --up-max, every stack, with `mlp deploy --all
 *    --parallel 2` measured against the single stack's first `pulumi up`.
 * Above --full-max tenants only 2 (its `pulumi up`) and 5 run for the
 * single stack: the previews of 1, 3 and 4 take minutes each there.
 *
 * Options: --sizes 10,100,300  --reps 3  --checkpointed-max 30  --full-max 100
 * --up-max 100  --out FILE (also write the report there).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { ControlPlane, PulumiStack } from '../devkit/cluster';
import { REPO_ROOT } from '../devkit/repo-root';
import { toolEnv } from '../devkit/tools';
import { Run, machineDescription, measure, median } from './measure';
import { SplitSetup, withOneMorePod } from './split-stacks';
import { syntheticTenantName, writeSyntheticProject } from './synthetic-tenants';
import { tenantStackName } from '../stacks/stack-names';

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
      sizes: { type: 'string', default: '10,100,300' },
      reps: { type: 'string', default: '3' },
      'checkpointed-max': { type: 'string', default: '30' },
      'full-max': { type: 'string', default: '100' },
      'up-max': { type: 'string', default: '100' },
      out: { type: 'string' },
    },
  });
  const sizes = values.sizes!.split(',').map(Number);
  const reps = Number(values.reps);
  const checkpointedMax = Number(values['checkpointed-max']);
  const fullMax = Number(values['full-max']);
  const upMax = Number(values['up-max']);
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
  const split = [
    '| N | objects | single stack: one tenant changed, `pulumi preview` | split: `mlp affected` | split: `mlp preview` of the affected stacks | split: affected + preview | split / single | first `pulumi up`: single stack | split: `mlp deploy --all --parallel 2` | split / single |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const splitDetails: string[] = [];
  const oneTenant = new Map<number, { previewMs: number; totalMs: number }>();

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

    const changedTenant = syntheticTenantName(Math.floor(n / 2));
    let objects = 0;
    let singleUp: Measured;
    let singleOneTenant: { previews: Measured[]; steps: string };
    const setup = new Setup(scratch(), n, tenants, log);
    try {
      objects = countFiles(setup.manifests);
      const full = n <= fullMax;
      const empty = full ? Array.from({ length: reps }, () => setup.pulumi('one-checkpoint preview, empty stack', ['preview'], ONE_CHECKPOINT)) : [];
      const up = setup.pulumi('one-checkpoint pulumi up', ['up', '--yes', '--skip-preview'], ONE_CHECKPOINT);
      singleUp = up;
      // 5. One tenant's quota changed, the single stack (the split stacks below).
      const file = `${changedTenant}.yaml`;
      const original = setup.stack.readTenant(file);
      setup.stack.writeTenant(file, withOneMorePod(original));
      const oneTenant = Array.from({ length: reps }, () => setup.pulumi(`one-checkpoint preview, ${changedTenant}'s quota changed`, ['preview'], ONE_CHECKPOINT));
      singleOneTenant = { previews: oneTenant, steps: changedSteps(setup.stack) };
      setup.stack.writeTenant(file, original);
      if (!full) {
        lines.push(`| ${n} | ${objects} | not run | not run | not run | ${seconds(up.wallMs)} | not run | not run | – | not run | not run | – |`);
        details.push(`- N=${n}, one checkpoint: \`pulumi up\` ${cpu([up])}; above --full-max ${fullMax}, so only \`pulumi up\` and the one-tenant preview below ran for the single stack`);
      } else {
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
      }
    } finally {
      setup.close();
    }

    // 5. The split stacks, on a cluster of their own (the single stack's is gone).
    const splitSetup = new SplitSetup(scratch(), n, tenants, log);
    try {
      const changedStack = tenantStackName(changedTenant);
      const deployAll = n <= upMax ? splitSetup.deploy('mlp deploy --all --parallel 2', 'all') : undefined;
      if (deployAll === undefined) splitSetup.deploy(`mlp deploy of platform and ${changedStack} (not measured)`, ['platform', changedStack]);
      const runs = Array.from({ length: reps }, () => splitSetup.pullRequest(changedTenant));
      const listed = [...new Set(runs.map((run) => run.stacks.join(', ')))];
      if (listed.length !== 1 || listed[0] !== changedStack) throw new Error(`mlp affected listed ${listed.join(' / ')} for a change of ${changedTenant}'s quota, not exactly ${changedStack}`);
      const affectedMs = median(runs.map((run) => run.affected.wallMs))!;
      const previewMs = median(runs.map((run) => run.preview.wallMs))!;
      const totalMs = median(runs.map((run) => run.affected.wallMs + run.preview.wallMs))!;
      oneTenant.set(n, { previewMs, totalMs });
      const single = wall(singleOneTenant.previews)!;
      split.push(
        `| ${n} | ${objects} | ${seconds(single)} | ${seconds(affectedMs)} | ${seconds(previewMs)} | ${seconds(totalMs)} | ${(totalMs / single).toFixed(2)} | ` +
          `${seconds(singleUp.wallMs)} | ${deployAll ? seconds(deployAll.wallMs) : `not run (N > ${upMax})`} | ${deployAll ? (deployAll.wallMs / singleUp.wallMs).toFixed(2) : '–'} |`,
      );
      splitDetails.push(
        `- N=${n}: ${changedTenant}'s quota changed; the single stack's preview found: ${singleOneTenant.steps} (${cpu(singleOneTenant.previews)}); ` +
          `mlp affected listed ${listed[0]} (${cpu(runs.map((run) => run.affected))}); its preview found: ${[...new Set(runs.map((run) => run.found))].join(' / ')} (${cpu(runs.map((run) => run.preview))})` +
          (deployAll ? `; mlp deploy --all: ${cpu([deployAll])}` : ''),
      );
    } finally {
      splitSetup.close();
    }
  }

  const ratioLine = (() => {
    if (oneTenant.size < 2) return 'One size measured: no ratio of the one-tenant pull request between sizes.';
    const [small, large] = [Math.min(...oneTenant.keys()), Math.max(...oneTenant.keys())];
    const ratio = (pick: (run: { previewMs: number; totalMs: number }) => number) => pick(oneTenant.get(large)!) / pick(oneTenant.get(small)!);
    const previewRatio = ratio((run) => run.previewMs);
    return (
      `One tenant's preview (\`mlp preview\` of the affected stack), N=${large} / N=${small}: ${previewRatio.toFixed(2)} (target ≤ 2: ${previewRatio <= 2 ? 'met' : 'missed'}); ` +
      `with \`mlp affected\`, which reads and synthesizes every tenant file: ${ratio((run) => run.totalMs).toFixed(2)}.`
    );
  })();
  lines.push(
    '',
    ...details,
    '',
    '### One stack per tenant (issue 18)',
    '',
    `One tenant's quota changed (\`pods\` + 1 of tenant \`team-<N/2>\`): the single stack's \`pulumi preview\` against a pull request of split stacks, \`mlp affected --base HEAD --format json\` ` +
      `then \`mlp preview\` of the stacks it lists, one checkpoint everywhere; medians of ${reps} runs. For N > ${upMax} only the platform stack and the changed tenant's stack ` +
      'are deployed before the preview (a tenant stack reads no other tenant stack); `mlp affected` and the program still read every tenant file.',
    '',
    ...split,
    '',
    ...splitDetails,
    '',
    ratioLine,
    '',
    `Load average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`,
  );
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
