/**
 * The GitHub Actions workflows: run the reviewer workflow's steps and keep
 * every secret out of the files. The actionlint check is in the end-to-end
 * suite (test/e2e/workflows-lint.test.ts), which has the tools built.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/fixtures';

const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const WORKFLOW_FILES = ['deploy.yml', 'pull-request.yml'];
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

describe('GitHub Actions workflows', () => {
  test('are the pull-request and deploy workflows', () => {
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
  });

  test('deploy main with pulumi up, one run at a time and never cancelled', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(deploy.concurrency).toEqual({ group: 'pulumi-up-${{ vars.PULUMI_STACK }}', 'cancel-in-progress': false });
    const up = steps('deploy.yml').find((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(up?.with?.command).toBe('up');
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
});
