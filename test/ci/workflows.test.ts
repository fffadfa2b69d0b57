/**
 * The GitHub Actions workflows: run the reviewer workflow's steps, keep
 * every secret out of the files, and run the tools that CI here tested: the
 * Node.js of .nvmrc, the Pulumi CLI and provider that scripts/build-tools.sh
 * builds, each action at one version. The actionlint check is in the
 * end-to-end suite (test/e2e/workflows-lint.test.ts), which has the tools built.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/fixtures';
import { previewSummary } from '../../deploy/preview-summary';
import { StackRun } from '../../deploy/run-stacks';

const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const WORKFLOW_FILES = ['deploy.yml', 'drift.yml', 'pull-request.yml'];
/**
 * The current major version of every action the workflows use, checked on GitHub in November 2026
 * (release notes of actions/checkout v7.0.1, actions/setup-node v7.0.0, actions/setup-go v7.0.0,
 * actions/github-script v9.0.0, pulumi/actions v7.0.0, actions/upload-artifact v7.0.1,
 * actions/download-artifact v7.0.0). All run on Node.js 24.
 */
const ACTION_MAJORS: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/download-artifact': 'v7',
  'actions/upload-artifact': 'v7',
  'actions/github-script': 'v9',
  'actions/setup-go': 'v7',
  'actions/setup-node': 'v7',
  'pulumi/actions': 'v7',
};
/** The repository secrets the workflows use, as docs/reviewing.md lists them. */
const DOCUMENTED_SECRETS = ['KUBECONFIG', 'PULUMI_BACKEND_URL', 'PULUMI_CONFIG_PASSPHRASE'];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    {
      steps: Step[];
      permissions?: Record<string, string>;
      needs?: string | string[];
      if?: string;
      concurrency?: unknown;
      outputs?: Record<string, string>;
      strategy?: { matrix: Record<string, unknown>; 'max-parallel'?: number; 'fail-fast'?: boolean };
    }
  >;
}

/** The arguments the preview step's script gives npx, run with bash and a stand-in npx that prints them. */
function previewArgs(script: string, env: Record<string, string>): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-npx-'));
  try {
    fs.writeFileSync(path.join(bin, 'npx'), '#!/usr/bin/env bash\necho "$*"\n', { mode: 0o755 });
    return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...env }, encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

/** Runs the drift step's script in a scratch folder with stand-ins for npx and scripts/drift-report.sh that record their call and report drift. */
function runDriftStep(script: string, env: Record<string, string>): { status: number; calls: string[]; summary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-step-'));
  try {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    const stand = (name: string) => `#!/usr/bin/env bash\necho "${name} $*" >> "$CALLS"\necho "report of ${name}"\nexit 1\n`;
    fs.writeFileSync(path.join(dir, 'bin', 'npx'), stand('npx'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'scripts', 'drift-report.sh'), stand('scripts/drift-report.sh'), { mode: 0o755 });
    const files = { CALLS: path.join(dir, 'calls'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}`, RUNNER_TEMP: dir, ...files, ...env },
      encoding: 'utf8',
    });
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    return { status: result.status ?? -1, calls: read(files.CALLS).split('\n').filter(Boolean), summary: read(files.GITHUB_STEP_SUMMARY) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the deploy step's script in a git repository with stand-ins for gh (answering the given commit) and npx that record their arguments. */
function runDeployStep(script: string, cwd: string, lastDeployed: string, env: Record<string, string>): { status: number; calls: string[]; stdout?: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-bin-'));
  try {
    const calls = path.join(bin, 'calls');
    fs.writeFileSync(path.join(bin, 'gh'), `#!/usr/bin/env bash\necho "gh $*" >> "${calls}"\necho "${lastDeployed}"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'npx'), `#!/usr/bin/env bash\necho "npx $*" >> "${calls}"\n`, { mode: 0o755 });
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', script], { cwd, env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: bin, ...env }, encoding: 'utf8' });
    const recorded = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [];
    return { status: result.status ?? -1, calls: recorded, ...(result.stdout !== '' && { stdout: result.stdout }) };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

/** What the preview-comment job's github-script did: the comment calls, and its failure message. */
interface CommentRun {
  calls: Array<{ method: string; id?: number; body: string }>;
  failed?: string;
}

/** Runs the preview-comment job's script as actions/github-script does (an async function body), with stand-ins for its API. */
async function runCommentScript(runnerTemp: string, stacks: readonly string[], comments: readonly unknown[]): Promise<CommentRun> {
  const step = workflow('pull-request.yml').jobs['preview-comment'].steps[1];
  const result: CommentRun = { calls: [] };
  const github = {
    paginate: async () => comments,
    rest: {
      issues: {
        listComments: () => undefined,
        createComment: async (args: { body: string }) => void result.calls.push({ method: 'createComment', body: args.body }),
        updateComment: async (args: { comment_id: number; body: string }) => void result.calls.push({ method: 'updateComment', id: args.comment_id, body: args.body }),
      },
    },
  };
  const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 1 } };
  const core = { setFailed: (message: string) => (result.failed = message) };
  const fakeProcess = { env: { RUNNER_TEMP: runnerTemp, STACKS: JSON.stringify(stacks) } };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction('require', 'github', 'context', 'core', 'process', String(step.with?.script))(require, github, context, core, fakeProcess);
  return result;
}

function workflow(file: string): Workflow {
  return parse(fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8')) as Workflow;
}

function steps(file: string): Step[] {
  return Object.values(workflow(file).jobs).flatMap((job) => job.steps);
}

/** The steps of every workflow that use an action, whatever its version. */
function stepsUsing(action: string): Step[] {
  return WORKFLOW_FILES.flatMap(steps).filter((step) => step.uses?.split('@')[0] === action);
}

/** A version pinned at the top of scripts/build-tools.sh, the one place that defines it. */
function buildToolsPin(name: string): string {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'build-tools.sh'), 'utf8');
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`scripts/build-tools.sh defines no ${name}`);
  return value;
}

const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

describe('GitHub Actions workflows', () => {
  test('are the pull-request, deploy and drift workflows', () => {
    expect(fs.readdirSync(WORKFLOWS_DIR).sort()).toEqual(WORKFLOW_FILES);
  });

  test('check pull requests: test, synth --check, validate, diff as a comment', () => {
    const pr = workflow('pull-request.yml');
    expect(Object.keys(pr.on)).toEqual(['pull_request']);
    const runs = steps('pull-request.yml').map((step) => step.run ?? '');
    expect(runs).toContain('npm test');
    expect(runs).toContain('npx mlp synth --check');
    expect(runs).toContain('npx mlp validate');
    expect(runs.some((run) => run.includes('npx mlp diff --base "$BASE_SHA" --format markdown'))).toBe(true);
    expect(runs).toContain('scripts/actionlint.sh');
    expect(pr.jobs.diff.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const comment = pr.jobs.diff.steps.find((step) => step.uses?.startsWith('actions/github-script@'));
    expect(String(comment?.with?.script)).toContain("const marker = '<!-- mlp-diff -->';");
  });

  test('preview only the affected stacks, in at most 8 shards (a matrix holds 256 jobs), the platform alone first, and post them as one comment that names the failures', () => {
    const pr = workflow('pull-request.yml');
    const affected = pr.jobs.affected;
    expect(affected.outputs).toEqual({ stacks: '${{ steps.affected.outputs.stacks }}', shards: '${{ steps.affected.outputs.shards }}' });
    expect(affected.steps.map((step) => step.run ?? '').find((run) => run.includes('npx mlp affected'))).toContain(
      [
        'npx mlp affected --base "$BASE_SHA" --config-file "$MLP_SETTINGS_FILE" --format json --shards 8 > "$RUNNER_TEMP/affected.json"',
        'echo "stacks=$(jq -c .stacks "$RUNNER_TEMP/affected.json")" >> "$GITHUB_OUTPUT"',
        'echo "shards=$(jq -c .shards "$RUNNER_TEMP/affected.json")" >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    );

    const preview = pr.jobs.preview;
    expect(preview.needs).toEqual(['check', 'affected']);
    expect(preview.if).toContain("needs.affected.outputs.stacks != '[]'");
    expect(preview.strategy).toEqual({ matrix: { shard: '${{ fromJSON(needs.affected.outputs.shards) }}' }, 'max-parallel': 8, 'fail-fast': false });
    // One install per shard, not per stack.
    expect(preview.steps.filter((step) => step.run?.startsWith('npm ci'))).toHaveLength(1);
    const run = preview.steps.find((step) => step.run?.includes('npx mlp preview'));
    expect(run?.env).toEqual({ SHARD: '${{ matrix.shard.index }}', STACKS: "${{ join(matrix.shard.stacks, ' ') }}", MLP_SETTINGS_FILE: '${{ vars.MLP_SETTINGS_FILE }}' });
    // Refreshed, as the deploy runs; every stack of the shard, two at a time, one summary per shard kept for the comment.
    expect(previewArgs(run!.run!, { SHARD: '2', STACKS: 'tenant-a tenant-b', MLP_SETTINGS_FILE: 'Pulumi.prod.yaml', RUNNER_TEMP: '/tmp/runner' })).toEqual(
      'mlp preview --stack tenant-a --stack tenant-b --parallel 2 --refresh --config-file Pulumi.prod.yaml --summary-file /tmp/runner/preview-2.md',
    );
    expect(previewArgs(run!.run!, { SHARD: '1', STACKS: 'platform', MLP_SETTINGS_FILE: 'Pulumi.prod.yaml', RUNNER_TEMP: '/tmp/runner' })).toEqual(
      'mlp preview --stack platform --parallel 2 --refresh --config-file Pulumi.prod.yaml --summary-file /tmp/runner/preview-1.md',
    );
    const upload = preview.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') && step.with?.name === 'mlp-preview-${{ matrix.shard.index }}');
    expect(upload).toMatchObject({ if: 'always()', with: { path: '${{ runner.temp }}/preview-${{ matrix.shard.index }}.md' } });
    const logs = preview.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@') && step.with?.name === 'pulumi-logs-${{ matrix.shard.index }}');
    expect(logs).toMatchObject({ if: 'failure()', with: { path: '.mlp/stacks/*/pulumi.log' } });

    const comment = pr.jobs['preview-comment'];
    expect(comment.needs).toEqual(['affected', 'preview']);
    expect(comment.if).toBe("always() && github.event.pull_request.head.repo.full_name == github.repository && needs.affected.result == 'success'");
    expect(comment.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(comment.steps[0]).toEqual({ uses: 'actions/download-artifact@v7', if: "needs.affected.outputs.stacks != '[]'", with: { pattern: 'mlp-preview-*', path: '${{ runner.temp }}/previews', 'merge-multiple': true } });
    expect(comment.steps[1].env).toEqual({ STACKS: '${{ needs.affected.outputs.stacks }}' });
  });

  test("the preview comment: one comment from every shard's summary, in the stacks' order, failing naming the stacks that failed or left no preview", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-comment-'));
    try {
      fs.mkdirSync(path.join(dir, 'previews'));
      // Summaries as mlp preview --summary-file writes them (deploy/preview-summary.ts), one per shard; tenant-c's shard left none.
      const ok = (stack: string): StackRun => ({ stack, outcome: 'succeeded', durationMs: 1, log: `.mlp/stacks/${stack}/pulumi.log`, output: `Previewing update (${stack}):\n\nResources:\n    5 unchanged\n` });
      fs.writeFileSync(path.join(dir, 'previews', 'preview-1.md'), previewSummary([ok('platform')]));
      fs.writeFileSync(
        path.join(dir, 'previews', 'preview-2.md'),
        previewSummary([{ stack: 'tenant-b', outcome: 'failed', durationMs: 1, log: '.mlp/stacks/tenant-b/pulumi.log', output: 'error: refused\n' }, ok('tenant-a')]),
      );
      const posted = await runCommentScript(dir, ['platform', 'tenant-a', 'tenant-b', 'tenant-c'], []);
      expect(posted.failed).toBe('pulumi preview failed for tenant-b, tenant-c');
      expect(posted.calls).toHaveLength(1);
      expect(posted.calls[0].method).toBe('createComment');
      const body = posted.calls[0].body;
      expect(body.startsWith('<!-- mlp-preview -->\n## pulumi preview of the affected stacks\n\n### `platform`: 5 unchanged\n')).toBe(true);
      const headings = body.split('\n').filter((line) => line.startsWith('### '));
      expect(headings).toEqual([
        '### `platform`: 5 unchanged',
        '### `tenant-a`: 5 unchanged',
        '### `tenant-b`: preview failed',
        "### `tenant-c`: no preview (its shard's job failed before it; see the job's log)",
      ]);
      expect(body).toContain('error: refused');

      // A second run updates the bot's comment in place; all succeeded, nothing fails.
      fs.rmSync(path.join(dir, 'previews', 'preview-2.md'));
      const again = await runCommentScript(dir, ['platform'], [{ id: 7, user: { type: 'Bot' }, body: '<!-- mlp-preview -->\nold' }]);
      expect(again.failed).toBeUndefined();
      expect(again.calls.map((call) => [call.method, call.id])).toEqual([['updateComment', 7]]);

      // A later push affects no stack: the comment says so (the stale previews go); without an earlier comment none is created.
      const none = await runCommentScript(dir, [], [{ id: 7, user: { type: 'Bot' }, body: '<!-- mlp-preview -->\nold' }]);
      expect(none).toEqual({ calls: [{ method: 'updateComment', id: 7, body: '<!-- mlp-preview -->\n## pulumi preview of the affected stacks\n\nNo stack is affected by this change: nothing to preview.\n' }] });
      expect(await runCommentScript(dir, [], [])).toEqual({ calls: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('report drift every day for every stack of the environment, or for a single stack, changing nothing', () => {
    const drift = workflow('drift.yml');
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((drift.on.schedule as { cron: string }[]).map((entry) => entry.cron)).toEqual(['17 6 * * *']);
    const job = drift.jobs.drift;
    expect(job.concurrency).toEqual({ group: 'mlp-drift-${{ vars.MLP_SETTINGS_FILE }}${{ vars.PULUMI_STACK }}', 'cancel-in-progress': false });
    const report = job.steps.find((step) => step.name === 'Drift report');
    expect(report?.env).toEqual({ MLP_SETTINGS_FILE: '${{ vars.MLP_SETTINGS_FILE }}', PULUMI_STACK: '${{ vars.PULUMI_STACK }}' });
    // Split stacks (MLP_SETTINGS_FILE): mlp preview --drift on every stack; its status is the job's, its report in the summary.
    const split = runDriftStep(report!.run!, { MLP_SETTINGS_FILE: 'Pulumi.prod.yaml', PULUMI_STACK: '' });
    expect(split.status).toBe(1);
    expect(split.calls).toEqual(['npx mlp preview --all --drift --parallel 4 --config-file Pulumi.prod.yaml']);
    expect(split.summary).toBe('### Drift\n```\nreport of npx\n```\n');
    // A single stack (PULUMI_STACK): the script, as before.
    expect(runDriftStep(report!.run!, { MLP_SETTINGS_FILE: '', PULUMI_STACK: 'prod' }).calls).toEqual(['scripts/drift-report.sh --stack prod']);
    const runs = job.steps.map((step) => step.run ?? '');
    // No step runs pulumi up, refresh or any other command that writes the state, nor mlp deploy.
    expect(runs.filter((run) => /\bpulumi (up|refresh|destroy|import|state|cancel)\b|mlp deploy/.test(run))).toEqual([]);
    expect(job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))).toMatchObject({ if: 'failure()', with: { path: '.mlp/stacks/*/pulumi.log' } });
    const pulumi = job.steps.filter((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(pulumi.map((step) => step.with)).toEqual([{ 'pulumi-version': buildToolsPin('PULUMI_VERSION').slice(1) }]);
  });

  test('deploy main with mlp deploy: the affected stacks of a push, every stack by hand; one run at a time, never cancelled', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(deploy.concurrency).toEqual({ group: 'mlp-deploy-${{ vars.MLP_SETTINGS_FILE }}', 'cancel-in-progress': false });
    expect(deploy.permissions).toEqual({ contents: 'read', actions: 'read' });
    const up = steps('deploy.yml').find((step) => step.run?.includes('npx mlp deploy'));
    expect(up?.env).toEqual({ GH_TOKEN: '${{ github.token }}', GH_REPO: '${{ github.repository }}', MLP_SETTINGS_FILE: '${{ vars.MLP_SETTINGS_FILE }}' });
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-step-'));
    try {
      execFileSync('git', ['init', '--quiet'], { cwd: repo });
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'one'], { cwd: repo });
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
      const env = { MLP_SETTINGS_FILE: 'Pulumi.prod.yaml', GITHUB_REF_NAME: 'main' };
      // A push: the base is the head commit of the last successful run on the branch (not the commit pushed over); --refresh repairs drift (docs/deploy.md#drift).
      const pushed = runDeployStep(up!.run!, repo, head, { ...env, GITHUB_EVENT_NAME: 'push' });
      expect(pushed).toEqual({
        status: 0,
        calls: ['gh run list --workflow deploy.yml --branch main --status success --limit 1 --json headSha --jq .[0].headSha // ""', `npx mlp deploy --affected --base ${head} --parallel 4 --refresh --config-file Pulumi.prod.yaml`],
      });
      const all = 'npx mlp deploy --all --parallel 4 --refresh --config-file Pulumi.prod.yaml';
      // No successful run yet (the first deploy, the platform stack not there): every stack, the platform first.
      expect(runDeployStep(up!.run!, repo, '', { ...env, GITHUB_EVENT_NAME: 'push' }).calls.slice(1)).toEqual([all]);
      // The last deployed commit is not in the clone (history rewritten): every stack.
      expect(runDeployStep(up!.run!, repo, 'f'.repeat(40), { ...env, GITHUB_EVENT_NAME: 'push' }).calls.slice(1)).toEqual([all]);
      // A manual run: every stack, without asking GitHub.
      expect(runDeployStep(up!.run!, repo, head, { ...env, GITHUB_EVENT_NAME: 'workflow_dispatch' })).toEqual({ status: 0, calls: [all] });
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
    expect(steps('deploy.yml').map((step) => step.run)).toEqual(expect.arrayContaining(['npm test', 'npx mlp synth --check', 'npx mlp validate']));
    expect(steps('deploy.yml').find((step) => step.uses?.startsWith('actions/upload-artifact@'))).toMatchObject({ if: 'always()', with: { path: '.mlp/stacks/*/pulumi.log' } });
  });

  test('fail early, naming the variable and where to set it, when MLP_SETTINGS_FILE is not set', () => {
    const jobs = [workflow('pull-request.yml').jobs.affected, workflow('pull-request.yml').jobs.preview, workflow('deploy.yml').jobs.deploy];
    expect(jobs.map((job) => job.steps[0].name)).toEqual(Array(3).fill('Check the variable MLP_SETTINGS_FILE'));
    for (const job of jobs) {
      const check = job.steps[0];
      expect(check.env).toEqual({ MLP_SETTINGS_FILE: '${{ vars.MLP_SETTINGS_FILE }}' });
      // The variable unset: GitHub gives the empty string.
      expect(runDeployStep(check.run!, os.tmpdir(), '', { MLP_SETTINGS_FILE: '' })).toEqual({
        status: 1,
        calls: [],
        stdout:
          "::error::the repository variable MLP_SETTINGS_FILE is not set: set it to the environment's settings file, e.g. Pulumi.prod.yaml, in Settings > Secrets and variables > Actions > Variables (docs/reviewing.md#ci)\n",
      });
      expect(runDeployStep(check.run!, os.tmpdir(), '', { MLP_SETTINGS_FILE: 'Pulumi.prod.yaml' })).toEqual({ status: 0, calls: [] });
    }
  });

  test('take secrets only from repository secrets, and use only the documented ones', () => {
    const used = new Set<string>();
    for (const file of WORKFLOW_FILES) {
      const text = fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
      for (const match of text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)) used.add(match[1]);
      // A secret-like setting must be an expression, never a literal value.
      for (const line of text.split('\n')) {
        const setting = /^\s*(PULUMI_CONFIG_PASSPHRASE|PULUMI_ACCESS_TOKEN|PULUMI_BACKEND_URL|KUBECONFIG_DATA|cloud-url):\s*(.+)$/.exec(line);
        if (setting) expect(`${setting[1]}: ${setting[2]}`).toMatch(/: \$\{\{ secrets\.[A-Z_]+ \}\}$/);
      }
    }
    expect([...used].sort()).toEqual(DOCUMENTED_SECRETS);
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'reviewing.md'), 'utf8');
    for (const secret of DOCUMENTED_SECRETS) expect(docs).toContain(`\`${secret}\``);
  });

  test('run the Pulumi CLI that scripts/build-tools.sh builds for the end-to-end suite', () => {
    // Only to install the CLI: mlp deploy and mlp preview run it, one process per stack.
    const pulumi = stepsUsing('pulumi/actions');
    expect(pulumi.map((step) => step.with?.command)).toEqual([undefined, undefined, undefined]);
    const cli = buildToolsPin('PULUMI_VERSION');
    expect(cli).toMatch(/^v3\.\d+\.\d+$/);
    for (const step of pulumi) expect(step.with?.['pulumi-version']).toBe(cli.slice(1));
  });

  test('deploy with the Kubernetes provider that the end-to-end suite installs', () => {
    // The program asks for the plugin of its @pulumi/kubernetes version; pulumi/actions downloads that one.
    expect(packageJson.dependencies['@pulumi/kubernetes']).toBe(buildToolsPin('PULUMI_K8S_VERSION'));
  });

  test('set up the Node.js that .nvmrc names, a version that package.json supports', () => {
    const setups = stepsUsing('actions/setup-node');
    expect(setups).toHaveLength(6);
    for (const step of setups) expect(step.with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
    const nvmrc = fs.readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8');
    expect(nvmrc).toMatch(/^24\.\d+\.\d+\n$/);
    expect(packageJson.engines.node).toBe('>=22');
  });

  test('use each action at one version, its current major', () => {
    const used: Record<string, string[]> = {};
    for (const step of WORKFLOW_FILES.flatMap(steps)) {
      if (step.uses === undefined) continue;
      const [action, ref] = step.uses.split('@');
      used[action] = [...new Set([...(used[action] ?? []), ref])];
    }
    expect(used).toEqual(Object.fromEntries(Object.entries(ACTION_MAJORS).map(([action, major]) => [action, [major]])));
  });
});
