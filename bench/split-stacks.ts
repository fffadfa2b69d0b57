/**
 * The split half of `npm run bench:preview` (issue 18): the synthetic
 * tenants as one `platform` stack and one stack per tenant (mlp:part),
 * deployed with `mlp deploy` and previewed with `mlp affected` + `mlp
 * preview` (deploy/), on a control plane and file backend of their own.
 *
 * The project is a git repository with its `dist/` committed, as CI has it,
 * so that `mlp affected --base HEAD` compares a pull request's work tree
 * with it. Every pulumi process runs with one checkpoint
 * (`PULUMI_SKIP_CHECKPOINTS=true`), as the workflows do and as the single
 * stack it is compared with.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ControlPlane, platformCrdFiles } from '../devkit/cluster';
import { REPO_ROOT } from '../devkit/repo-root';
import { toolEnv } from '../devkit/tools';
import { Run, measure } from './measure';

const MLP = path.join(REPO_ROOT, 'bin', 'mlp.js');
/** The environment's settings file of the benchmark project. */
const SETTINGS_FILE = 'Pulumi.bench.yaml';

/** A measured run with the control plane's CPU time during it. */
export interface Measured extends Run {
  readonly serverCpuMs: number;
}

/** One pull request that changes one tenant: `mlp affected`, then `mlp preview` of what it listed. */
export interface PullRequestRun {
  readonly affected: Measured;
  readonly preview: Measured;
  /** The stacks `mlp affected` listed. */
  readonly stacks: readonly string[];
  /** What the previews found, from their logs: e.g. `tenant-team-00005: 2 to update`. */
  readonly found: string;
}

/** The `pods:` quota of a tenant file raised by one: a change of the tenant's quota only. */
export function withOneMorePod(text: string): string {
  const changed = text.replace(/^( {4}pods: )(\d+)$/m, (_, prefix: string, pods: string) => `${prefix}${Number(pods) + 1}`);
  if (changed === text) throw new Error('the synthetic tenant file has no "    pods: N" quota line');
  return changed;
}

/** A control plane and a git project of split stacks, torn down by `close`. */
export class SplitSetup {
  public readonly cluster: ControlPlane;
  public readonly projectDir: string;
  public readonly tenantsDir: string;
  private readonly env: NodeJS.ProcessEnv;

  public constructor(
    private readonly dir: string,
    public readonly n: number,
    tenants: Record<string, string>,
    private readonly log: (text: string) => void,
  ) {
    this.cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    this.projectDir = path.join(dir, 'project');
    this.tenantsDir = path.join(this.projectDir, 'tenants');
    this.env = {
      ...toolEnv(),
      PULUMI_BACKEND_URL: `file://${path.join(dir, 'state')}`,
      PULUMI_CONFIG_PASSPHRASE: '',
      PULUMI_SKIP_CHECKPOINTS: 'true',
    };
    try {
      this.writeProject(tenants);
    } catch (error) {
      // A failed setup leaves no control plane running, and its files (logs, the project) where they are.
      this.cluster.stop();
      this.log(`N=${n} split: the setup failed; its files are kept in ${dir}`);
      throw error;
    }
  }

  /** The project: platform file, tenant files, Pulumi.yaml, the settings file, dist/, committed. */
  private writeProject(tenants: Record<string, string>): void {
    const n = this.n;
    fs.mkdirSync(this.tenantsDir, { recursive: true });
    fs.mkdirSync(path.join(this.dir, 'state'));
    fs.copyFileSync(path.join(REPO_ROOT, 'platform.yaml'), path.join(this.projectDir, 'platform.yaml'));
    for (const [file, text] of Object.entries(tenants)) fs.writeFileSync(path.join(this.tenantsDir, file), text);
    // The repository's Pulumi project, its program where it is built.
    const project = parse(fs.readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8'));
    fs.writeFileSync(path.join(this.projectDir, 'Pulumi.yaml'), stringify({ ...project, main: path.join(REPO_ROOT, project.main) }));
    fs.writeFileSync(
      path.join(this.projectDir, SETTINGS_FILE),
      stringify({
        config: {
          'pulumi:disable-default-providers': ['kubernetes'],
          'mlp:kubeconfig': this.cluster.kubeconfig,
          'mlp:clusterIdentifier': `bench-${n}`,
          'mlp:tenantsDir': 'tenants',
          'mlp:platformFile': 'platform.yaml',
          'mlp:skipAwait': true,
          'mlp:crdFiles': platformCrdFiles(),
        },
      }),
    );
    fs.writeFileSync(path.join(this.projectDir, '.gitignore'), '.mlp/\n.dist.mlp-cache.json\n');
    measure('node', [MLP, 'synth', '--no-incremental'], { cwd: this.projectDir, env: this.env });
    this.git('init', '--quiet');
    this.git('add', '.');
    this.git('commit', '--quiet', '-m', 'the benchmark project, dist/ committed');
  }

  /** Runs and measures `mlp ...args` in the project, with the control plane's CPU time. */
  public mlp(what: string, args: readonly string[]): Measured {
    const before = this.cluster.cpuMs();
    const run = measure('node', [MLP, ...args], { cwd: this.projectDir, env: this.env, stdoutFile: path.join(this.dir, 'last-output.txt') });
    const result = { ...run, stdout: fs.readFileSync(path.join(this.dir, 'last-output.txt'), 'utf8'), serverCpuMs: this.cluster.cpuMs() - before };
    this.log(`N=${this.n} split: ${what}: ${(result.wallMs / 1000).toFixed(2)} s (client CPU ${((result.cpuMs ?? 0) / 1000).toFixed(2)} s)`);
    return result;
  }

  /** `mlp deploy` of the given stacks, or of every stack (`--all`), two tenant stacks at a time. */
  public deploy(what: string, stacks: readonly string[] | 'all'): Measured {
    const selection = stacks === 'all' ? ['--all'] : stacks.flatMap((stack) => ['--stack', stack]);
    return this.mlp(what, ['deploy', ...selection, '--parallel', '2', '--config-file', SETTINGS_FILE]);
  }

  /**
   * A pull request changing the quota of `tenant` (file `<tenant>.yaml`):
   * `mlp affected --base HEAD --format json`, then `mlp preview` of every
   * stack it lists. The change is undone afterwards.
   */
  public pullRequest(tenant: string): PullRequestRun {
    const file = path.join(this.tenantsDir, `${tenant}.yaml`);
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, withOneMorePod(original));
    try {
      const affected = this.mlp(`mlp affected, ${tenant}'s quota changed`, ['affected', '--base', 'HEAD', '--format', 'json']);
      const stacks = (JSON.parse(affected.stdout) as { stacks: string[] }).stacks;
      if (stacks.length === 0) throw new Error(`mlp affected listed no stack for a change of ${tenant}'s quota`);
      const preview = this.mlp(`mlp preview of ${stacks.join(', ')}`, ['preview', ...stacks.flatMap((stack) => ['--stack', stack]), '--parallel', '2', '--config-file', SETTINGS_FILE]);
      return { affected, preview, stacks, found: stacks.map((stack) => `${stack}: ${this.previewFound(stack)}`).join('; ') };
    } finally {
      fs.writeFileSync(file, original);
    }
  }

  /** The summary of changes of a stack's last preview, from its log (`2 to update`, or `no changes`). */
  private previewFound(stack: string): string {
    const log = fs.readFileSync(path.join(this.projectDir, '.mlp', 'stacks', stack, 'pulumi.log'), 'utf8');
    const resources = log.slice(log.lastIndexOf('Resources:'));
    const counts = [...resources.matchAll(/^\s+[-+~±]+ (\d+ to \w+)$/gm)].map((match) => match[1]);
    return counts.length === 0 ? 'no changes' : counts.join(', ');
  }

  private git(...args: string[]): void {
    execFileSync('git', ['-c', 'user.name=mlp bench', '-c', 'user.email=mlp-bench@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: this.projectDir, stdio: 'ignore' });
  }

  public close(): void {
    this.cluster.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
