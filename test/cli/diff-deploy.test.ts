/**
 * `mlp diff` flags what a deployment does beyond updating objects in place:
 * Jobs replaced or deleted, CronJob templates changed, protected objects
 * removed; and it shows a label change shared by many objects as one line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { git, runMlp } from '../support/cli';
import { minimalTenant, scratchProject } from '../support/fixtures';

interface TrainingTenantOptions {
  readonly costCenter?: string;
  readonly image?: string;
  readonly nightlyImage?: string;
  readonly retries?: number;
  readonly withJob?: boolean;
}

/** Tenant vision: a GPU quota, a 4 x 8-GPU distributed job with a checkpoint volume, and a nightly 1-GPU CronJob. */
function trainingTenant(options: TrainingTenantOptions = {}): string {
  const job = `    - name: resnet-ddp
      image: ${options.image ?? 'registry.ml.example.com/vision/trainer:2.4.1'}
      gpus: 8
      workers: 4
      cpu: "8"
      memory: 64Gi
      retries: ${options.retries ?? 2}
      checkpoint:
        size: 100Gi
`;
  const nightly = `    - name: eval-nightly
      image: ${options.nightlyImage ?? 'registry.ml.example.com/vision/eval:1.0.0'}
      gpus: 1
      cpu: "4"
      memory: 16Gi
      maxRuntime: 2h
      schedule: "0 2 * * *"
`;
  const quota = '  quota:\n    cpu: "64"\n    memory: 512Gi\n    gpu: 40\n    storage: 1Ti\n';
  const tenant = minimalTenant('vision').replace('costCenter: cc-1', `costCenter: ${options.costCenter ?? 'cc-1'}`);
  return `${tenant}${quota}  trainingJobs:\n${options.withJob === false ? '' : job}${nightly}`;
}

const REPLACES_JOB =
  'replaces Job vision/resnet-ddp: restarts a running training run (4 workers x 8 GPUs), or runs a finished one again; spec.template cannot change in place';
const CRONJOB_TEMPLATE =
  'changes the job template of CronJob vision/eval-nightly in place: a run in progress (1 worker x 1 GPU) keeps the old template and is not restarted; ' +
  'the next scheduled run uses the new one (concurrencyPolicy Forbid: a scheduled time that comes while a run is still active is skipped)';
const DELETES_JOB = 'deletes Job vision/resnet-ddp: stops a running training run (4 workers x 8 GPUs) and deletes its pods and their logs';
const REMOVES_CHECKPOINT =
  'removes protected PersistentVolumeClaim vision/resnet-ddp-checkpoints: pulumi up will delete the other removed objects (a Job too) and then fail on this volume, ' +
  'which stays with its data; to delete it on purpose, unprotect it and update again; see docs/deploy.md#removing-a-jobs-checkpoint-volume';
const REMOVES_TENANT =
  'removes tenant speech: pulumi up will refuse the whole update, before changing anything, unless an earlier update listed speech in mlp:decommission ' +
  'while its file was still there; see docs/deploy.md#decommissioning-a-tenant';

/** The lines of a section of the text output, from its heading to the next blank line. */
function section(stdout: string, heading: string): string[] {
  const start = stdout.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}" in:\n${stdout}`);
  const rest = stdout.slice(start + heading.length + 2);
  return rest.slice(0, rest.indexOf('\n\n')).split('\n');
}

/** The cells of the summary row of `tenant` (columns are two or more spaces apart). */
function summaryRow(stdout: string, tenant: string): string[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${tenant} `));
  if (!line) throw new Error(`no summary row for ${tenant} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

const EFFECTS = 'Deploy effects (what pulumi up does beyond updating objects in place):';

describe('mlp diff: deploy effects', () => {
  let project: ReturnType<typeof scratchProject>;
  const write = (file: string, text: string) => fs.writeFileSync(path.join(project.tenantsDir, file), text);

  beforeEach(() => {
    project = scratchProject({ 'vision.yaml': trainingTenant(), 'speech.yaml': minimalTenant('speech') });
    git(project.dir, 'init', '--quiet');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'tenants');
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('flags a Job whose pod template changes as replaced, and a CronJob whose job template changes as changed in place', () => {
    write('vision.yaml', trainingTenant({ image: 'registry.ml.example.com/vision/trainer:2.5.0', nightlyImage: 'registry.ml.example.com/vision/eval:1.1.0' }));
    const { status, stdout } = runMlp(project.dir, 'diff');

    expect(status).toBe(0);
    expect(summaryRow(stdout, 'vision')).toEqual(['vision', 'changed', '+0 -0 ~2', expect.stringMatching(/^\$/), 'replaces Job, CronJob template']);
    expect(summaryRow(stdout, 'TOTAL').slice(-1)).toEqual(['2 deploy effects']);
    expect(section(stdout, EFFECTS)).toEqual([`  vision  ${REPLACES_JOB}`, `  vision  ${CRONJOB_TEMPLATE}`]);
  });

  test('does not flag a Job change that Kubernetes applies in place', () => {
    write('vision.yaml', trainingTenant({ retries: 5 }));
    const { stdout } = runMlp(project.dir, 'diff');

    expect(stdout).toContain('  ~ Job resnet-ddp  (vision/job-resnet-ddp.yaml)\n      ~ spec.backoffLimit: 2 → 5\n');
    expect(summaryRow(stdout, 'vision')).toHaveLength(4);
    expect(stdout).not.toContain(EFFECTS);
  });

  test('shows a label change of every object once, and still flags the Job it replaces', () => {
    write('vision.yaml', trainingTenant({ costCenter: 'cc-2' }));
    const { stdout } = runMlp(project.dir, 'diff');

    const objects = summaryRow(stdout, 'vision')[2].replace('+0 -0 ~', '');
    expect(Number(objects)).toBeGreaterThan(10);
    expect(stdout).toContain(`\nvision (tenants/vision.yaml): +0 -0 ~${objects}\n  ~ mlp.io/cost-center: cc-1 → cc-2 on all ${objects} objects\n\n`);
    expect(stdout).not.toContain('metadata.labels.mlp.io/cost-center');
    expect(section(stdout, EFFECTS)).toEqual([`  vision  ${REPLACES_JOB}`, `  vision  ${CRONJOB_TEMPLATE}`]);
  });

  test('flags a removed job: its Job deleted, its protected checkpoint volume refused', () => {
    write('vision.yaml', trainingTenant({ withJob: false }));
    const { stdout } = runMlp(project.dir, 'diff');

    expect(summaryRow(stdout, 'vision')).toEqual(['vision', 'changed', '+0 -3 ~0', expect.stringMatching(/^\$/), 'deletes Job, protected removal']);
    expect(section(stdout, EFFECTS)).toEqual([`  vision  ${DELETES_JOB}`, `  vision  ${REMOVES_CHECKPOINT}`]);
  });

  test('flags a removed tenant: pulumi up refuses it without the decommission steps', () => {
    fs.rmSync(path.join(project.tenantsDir, 'speech.yaml'));
    const { stdout } = runMlp(project.dir, 'diff');

    expect(summaryRow(stdout, 'speech')).toEqual(['speech', 'removed tenant', '+0 -14 ~0', 'removed', '$639.04 → — (-$639.04)', 'RBAC, protected removal']);
    expect(section(stdout, EFFECTS)).toEqual([`  speech  ${REMOVES_TENANT}`]);
  });

  test('writes the deploy effects and shared label changes in Markdown and JSON', () => {
    write('vision.yaml', trainingTenant({ costCenter: 'cc-2', withJob: false }));
    fs.rmSync(path.join(project.tenantsDir, 'speech.yaml'));

    const markdown = runMlp(project.dir, 'diff', '--format', 'markdown').stdout.split('\n');
    expect(markdown.find((line) => line.startsWith('Tenants: '))).toMatch(/ · ⚠️ \*\*1 security-relevant change\*\* · ⚠️ \*\*4 deploy effects\*\*$/);
    const start = markdown.indexOf('#### ⚠️ Deploy effects');
    expect(start).toBeGreaterThan(0);
    expect(markdown.slice(start + 2, start + 6)).toEqual([
      '- **speech** · ' + REMOVES_TENANT.replace('; see docs/deploy.md#decommissioning-a-tenant', '; see `docs/deploy.md#decommissioning-a-tenant`'),
      `- **vision** · ${DELETES_JOB}`,
      `- **vision** · ${CRONJOB_TEMPLATE}`,
      '- **vision** · ' + REMOVES_CHECKPOINT.replace('; see docs/deploy.md#removing-a-jobs-checkpoint-volume', '; see `docs/deploy.md#removing-a-jobs-checkpoint-volume`'),
    ]);
    expect(markdown).toContain('~ mlp.io/cost-center: cc-1 → cc-2 on all 15 objects');

    const diff = JSON.parse(runMlp(project.dir, 'diff', '--format', 'json').stdout);
    expect(diff.version).toBe(1);
    expect(diff.totals.deployEffects).toBe(4);
    const vision = diff.tenants.find((tenant: { name: string }) => tenant.name === 'vision');
    expect(vision.deploy.map((effect: { category: string; object: string }) => `${effect.category} ${effect.object}`)).toEqual([
      'deletes-job Job resnet-ddp',
      'cronjob-template CronJob eval-nightly',
      'protected PersistentVolumeClaim resnet-ddp-checkpoints',
    ]);
    expect(vision.deploy[2]).toEqual({
      category: 'protected',
      message: REMOVES_CHECKPOINT.replace('; see docs/deploy.md#removing-a-jobs-checkpoint-volume', ''),
      object: 'PersistentVolumeClaim resnet-ddp-checkpoints',
      see: 'docs/deploy.md#removing-a-jobs-checkpoint-volume',
    });
    expect(vision.labels).toHaveLength(1);
    expect({ ...vision.labels[0], files: vision.labels[0].files.length }).toEqual({ after: 'cc-2', before: 'cc-1', files: 15, key: 'mlp.io/cost-center', of: 15, op: 'changed' });
    const speech = diff.tenants.find((tenant: { name: string }) => tenant.name === 'speech');
    expect(speech.deploy).toEqual([
      { category: 'protected', message: REMOVES_TENANT.replace('; see docs/deploy.md#decommissioning-a-tenant', ''), object: 'Namespace speech', see: 'docs/deploy.md#decommissioning-a-tenant' },
    ]);
  });
});
