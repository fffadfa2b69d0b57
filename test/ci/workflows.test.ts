/**
 * The GitHub Actions workflows: run the reviewer workflow's steps, keep
 * every secret out of the files, and run the tools that CI here tested: the
 * Node.js of .nvmrc, the Pulumi CLI and provider that scripts/build-tools.sh
 * builds, each action at one version. The actionlint check is in the
 * end-to-end suite (test/e2e/workflows-lint.test.ts), which has the tools built.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/fixtures';

const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const WORKFLOW_FILES = ['deploy.yml', 'drift.yml', 'pull-request.yml'];
/**
 * The current major version of every action the workflows use, checked on GitHub in November 2026
 * (release notes of actions/checkout v7.0.1, actions/setup-node v7.0.0, actions/setup-go v7.0.0,
 * actions/github-script v9.0.0, pulumi/actions v7.0.0). All run on Node.js 24.
 */
const ACTION_MAJORS: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/github-script': 'v9',
  'actions/setup-go': 'v7',
  'actions/setup-node': 'v7',
  'pulumi/actions': 'v7',
};
/** The repository secrets the workflows use, as docs/reviewing.md lists them. */
const DOCUMENTED_SECRETS = ['KUBECONFIG', 'PULUMI_BACKEND_URL', 'PULUMI_CONFIG_PASSPHRASE'];

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string>; needs?: string; if?: string; concurrency?: unknown }>;
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

  test('check pull requests: test, synth --check, validate, diff as a comment, pulumi preview', () => {
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
    const preview = pr.jobs.preview.steps.find((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(preview?.with?.command).toBe('preview');
    // Refreshed, as the deploy runs; then the drift outside the change, which warns but does not fail the check.
    expect(preview?.with?.refresh).toBe(true);
    const previewSteps = pr.jobs.preview.steps;
    const drift = previewSteps.findIndex((step) => step.run?.includes('scripts/drift-report.sh --stack "$PULUMI_STACK"'));
    expect(drift).toBeGreaterThan(previewSteps.indexOf(preview!));
    expect(previewSteps[drift].run).toContain('::warning title=drift::');
    expect(previewSteps[drift].run).toContain('[ "$status" -le 1 ]');
  });

  test('report drift every day, changing nothing', () => {
    const drift = workflow('drift.yml');
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((drift.on.schedule as { cron: string }[]).map((entry) => entry.cron)).toEqual(['17 6 * * *']);
    const job = drift.jobs.drift;
    expect(job.concurrency).toEqual({ group: 'pulumi-preview-${{ vars.PULUMI_STACK }}', 'cancel-in-progress': false });
    const runs = job.steps.map((step) => step.run ?? '');
    expect(runs.filter((run) => run.includes('scripts/drift-report.sh --stack "$PULUMI_STACK"'))).toHaveLength(1);
    // No step runs pulumi up, refresh or any other command that writes the state.
    expect(runs.filter((run) => /\bpulumi (up|refresh|destroy|import|state|cancel)\b/.test(run))).toEqual([]);
    const pulumi = job.steps.filter((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(pulumi.map((step) => step.with)).toEqual([{ 'pulumi-version': buildToolsPin('PULUMI_VERSION').slice(1) }]);
  });

  test('deploy main with pulumi up, one run at a time and never cancelled', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(deploy.concurrency).toEqual({ group: 'pulumi-up-${{ vars.PULUMI_STACK }}', 'cancel-in-progress': false });
    const up = steps('deploy.yml').find((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(up?.with?.command).toBe('up');
    // pulumi up --refresh: drift is read back and repaired (docs/deploy.md#drift).
    expect(up?.with?.refresh).toBe(true);
    expect(steps('deploy.yml').map((step) => step.run)).toEqual(expect.arrayContaining(['npm test', 'npx mlp synth --check', 'npx mlp validate']));
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
    const pulumi = stepsUsing('pulumi/actions');
    expect(pulumi.map((step) => step.with?.command)).toEqual(['up', undefined, 'preview']);
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
    expect(setups).toHaveLength(5);
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
