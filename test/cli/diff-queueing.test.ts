/**
 * `mlp diff` with Kueue: changes to a tenant's guarantee, borrowing and
 * lending limits, fair-sharing weight and its jobs' priorities, Kueue
 * objects appearing or going away, and what turning Kueue off does on deploy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { git, runMlp } from '../support/cli';
import { minimalTenant } from '../support/fixtures';
import { pricedProject } from '../support/pricing';

const QUEUEING = {
  kueue: true,
  cohort: 'shared',
  defaults: { borrowingLimit: { gpu: 0, cpu: '0', memory: '0', ephemeralStorage: '0' }, fairSharingWeight: 1 },
};

interface AcmeOptions {
  readonly gpu?: number;
  readonly queueing?: string;
  readonly priority?: string;
}

/** Tenant acme: a GPU guarantee and a 2 x 4-GPU job on the default GPU type (a100-80gb). */
function acme(options: AcmeOptions = {}): string {
  return `${minimalTenant('acme')}  quota:
    cpu: "64"
    memory: 256Gi
    gpu: ${options.gpu ?? 8}
${options.queueing ?? ''}  trainingJobs:
    - name: train
      image: registry.ml.example.com/acme/trainer:1.0.0
      workers: 2
      gpus: 4
      cpu: "8"
      memory: 32Gi
${options.priority === undefined ? '' : `      priority: ${options.priority}\n`}`;
}

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

const QUEUEING_HEADING = 'Queueing changes (Kueue: guarantees, borrowing and lending, fair sharing, priorities):';
const EFFECTS = 'Deploy effects (what pulumi up does beyond updating objects in place):';

describe('mlp diff: queueing', () => {
  let project: ReturnType<typeof pricedProject>;
  const write = (text: string) => fs.writeFileSync(path.join(project.tenantsDir, 'acme.yaml'), text);

  beforeEach(() => {
    project = pricedProject({ 'acme.yaml': acme(), 'zeta.yaml': minimalTenant('zeta') }, QUEUEING);
    git(project.dir, 'init', '--quiet');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'tenants');
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('flags a changed guarantee, borrowing limit, lending limit, fair-sharing weight and job priority, with exact wording', () => {
    write(acme({ gpu: 16, queueing: '  queueing:\n    borrowingLimit: {gpu: 4}\n    lendingLimit: {gpu: 2}\n    fairSharingWeight: 2\n', priority: 'batch' }));
    const { status, stdout, stderr } = runMlp(project.dir, 'diff');

    expect(stderr).toBe('');
    expect(status).toBe(0);
    // 8 more guaranteed a100-80gb GPUs: 8 × 2.90 × 730 = 16,936.00 a month; the borrowing limit costs nothing.
    // The ResourceQuota: guarantee + borrowing limit x 3 GPU types = 8 + 0 → 16 + 4 x 3.
    expect(summaryRow(stdout, 'acme').slice(3)).toEqual([
      'gpu 8 → 16; namespace quota gpu 8 → 28',
      expect.stringMatching(/ \(\+\$16,936\.00\)$/),
      'guarantee, borrowing limit, lending limit, fair-sharing weight, priority',
    ]);
    expect(summaryRow(stdout, 'TOTAL').slice(-1)).toEqual(['7 queueing']);
    expect(section(stdout, QUEUEING_HEADING)).toEqual([
      '  acme  guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16 (ClusterQueue acme)',
      '  acme  borrowing limit of nvidia.com/gpu (flavor a100-80gb): 0 → 4 (ClusterQueue acme)',
      '  acme  borrowing limit of nvidia.com/gpu (flavor h100-80gb): 0 → 4 (ClusterQueue acme)',
      '  acme  borrowing limit of nvidia.com/gpu (flavor l4): 0 → 4 (ClusterQueue acme)',
      '  acme  lending limit of nvidia.com/gpu (flavor a100-80gb): all of the guarantee → 2 (ClusterQueue acme)',
      '  acme  fair-sharing weight: 1 → 2 (ClusterQueue acme)',
      '  acme  priority of Job train: mlp-standard → mlp-batch (Job train)',
    ]);
    // A lending limit of 0 on the flavors guaranteed 0 (h100-80gb, l4) lends as little as before: not listed.
    // A priority changes in place; nothing is replaced.
    expect(stdout).not.toContain(EFFECTS);

    const markdown = runMlp(project.dir, 'diff', '--format', 'markdown').stdout.split('\n');
    expect(markdown.find((line) => line.startsWith('Tenants: '))).toMatch(/ · 7 queueing changes$/);
    expect(markdown).toContain(`#### ${QUEUEING_HEADING.slice(0, -1)}`);
    expect(markdown).toContain('- **acme** · guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16 (`ClusterQueue acme`)');
    expect(markdown).not.toContain('guarantee: guarantee');

    const diff = JSON.parse(runMlp(project.dir, 'diff', '--format', 'json').stdout);
    expect(diff.version).toBe(1);
    expect(diff.kueue).toBe(true);
    expect(diff.totals.queueingChanges).toBe(7);
    const tenant = diff.tenants.find((entry: { name: string }) => entry.name === 'acme');
    expect(tenant.queueing[0]).toEqual({
      after: '16',
      before: '8',
      category: 'guarantee',
      change: 'changed',
      message: 'guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16',
      object: 'ClusterQueue acme',
    });
    expect(tenant.queueing.map((change: { category: string }) => change.category)).toEqual([
      'guarantee',
      'borrowing-limit',
      'borrowing-limit',
      'borrowing-limit',
      'lending-limit',
      'fair-sharing',
      'priority',
    ]);
    expect(diff.tenants.find((entry: { name: string }) => entry.name === 'zeta').queueing).toEqual([]);
  });

  test("flags the platform's cohort, queueing strategy and preemption changing every tenant's ClusterQueue, as queueing changes and no deploy effect", () => {
    const platform = fs.readFileSync(project.platformFile, 'utf8');
    expect(platform).toContain('  queueing:\n    kueue: true\n    cohort: shared\n');
    fs.writeFileSync(
      project.platformFile,
      platform.replace(
        '    cohort: shared\n',
        '    cohort: research\n    queueingStrategy: StrictFIFO\n    preemption:\n      standard: {withinClusterQueue: LowerPriority, reclaimWithinCohort: Never, borrowWithinCohort: Never}\n',
      ),
    );
    const { status, stdout, stderr } = runMlp(project.dir, 'diff');

    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(summaryRow(stdout, 'acme').slice(-1)).toEqual(['cohort, queueing strategy, preemption']);
    expect(summaryRow(stdout, 'zeta').slice(-1)).toEqual(['cohort, queueing strategy, preemption']);
    expect(section(stdout, QUEUEING_HEADING)).toEqual([
      '  acme  cohort: shared → research (ClusterQueue acme)',
      '  acme  queueing strategy: BestEffortFIFO → StrictFIFO (ClusterQueue acme)',
      '  acme  preemption reclaimWithinCohort: Any → Never (ClusterQueue acme)',
      '  zeta  cohort: shared → research (ClusterQueue zeta)',
      '  zeta  queueing strategy: BestEffortFIFO → StrictFIFO (ClusterQueue zeta)',
      '  zeta  preemption reclaimWithinCohort: Any → Never (ClusterQueue zeta)',
    ]);
    // Kueue v0.19.2 moves the queue with its admitted workloads' usage to the new cohort and evicts nothing.
    expect(stdout).not.toContain(EFFECTS);
    const markdown = runMlp(project.dir, 'diff', '--format', 'markdown').stdout.split('\n');
    expect(markdown).toContain('- **acme** · cohort: shared → research (`ClusterQueue acme`)');
    expect(markdown).toContain('- **acme** · preemption reclaimWithinCohort: Any → Never (`ClusterQueue acme`)');
  });

  test('lists the Kueue labels that turning Kueue off removes per Job, with two Jobs as with one, not as one shared label line', () => {
    const second = `    - name: tune
      image: registry.ml.example.com/acme/trainer:1.0.0
      workers: 1
      gpus: 1
      cpu: "4"
      memory: 16Gi
`;
    write(acme() + second);
    git(project.dir, 'commit', '--quiet', '-am', 'two jobs');
    const platform = fs.readFileSync(project.platformFile, 'utf8');
    fs.writeFileSync(project.platformFile, platform.replace('  queueing:\n    kueue: true\n', '  queueing:\n    kueue: false\n'));
    const { status, stdout } = runMlp(project.dir, 'diff');

    expect(status).toBe(0);
    const heading = stdout.split('\n').find((line) => line.startsWith('acme (tenants/acme.yaml): '));
    expect(heading).toBe('acme (tenants/acme.yaml): +0 -2 ~2');
    const details = section(stdout, heading!);
    const jobs = details.filter((line) => line.startsWith('  ~ Job '));
    expect(jobs).toEqual(['  ~ Job train  (acme/job-train.yaml)', '  ~ Job tune  (acme/job-tune.yaml)']);
    for (const job of jobs) {
      const at = details.indexOf(job);
      expect(details.slice(at + 1, at + 3)).toEqual(['      - metadata.labels.kueue.x-k8s.io/priority-class: mlp-standard', '      - metadata.labels.kueue.x-k8s.io/queue-name: default']);
    }
    expect(details.filter((line) => line.includes(' on ') && line.includes('kueue.x-k8s.io'))).toEqual([]);
  });

  test("shows the namespace ResourceQuota in the quota column where it changes otherwise than spec.quota: turning Kueue off cuts it to spec.quota", () => {
    const platform = fs.readFileSync(project.platformFile, 'utf8');
    const borrowing = platform.replace(
      '      borrowingLimit:\n        gpu: 0\n        cpu: "0"\n',
      '      borrowingLimit:\n        gpu: 2\n        cpu: "18"\n',
    );
    expect(borrowing).not.toBe(platform);
    fs.writeFileSync(project.platformFile, borrowing);
    git(project.dir, 'commit', '--quiet', '-am', 'borrowing');
    fs.writeFileSync(project.platformFile, borrowing.replace('  queueing:\n    kueue: true\n', '  queueing:\n    kueue: false\n'));
    const { status, stdout } = runMlp(project.dir, 'diff');

    expect(status).toBe(0);
    // spec.quota stays (acme: 64 CPU, 8 GPUs; zeta: the defaults, 16 CPU, no GPUs); the ResourceQuota loses the borrowing limits
    // (CPU 18, GPUs 2 x 3 GPU types).
    expect(summaryRow(stdout, 'acme')[3]).toBe('namespace quota cpu 82 → 64, gpu 14 → 8');
    expect(summaryRow(stdout, 'zeta')[3]).toBe('namespace quota cpu 34 → 16, gpu 6 → 0');
    const markdown = runMlp(project.dir, 'diff', '--format', 'markdown').stdout;
    expect(markdown).toContain('| `acme` | +0 −2 ~2 | namespace quota cpu 82 → 64, gpu 14 → 8 |');
    const diff = JSON.parse(runMlp(project.dir, 'diff', '--format', 'json').stdout);
    expect(diff.version).toBe(1);
    const acmeDiff = diff.tenants.find((entry: { name: string }) => entry.name === 'acme');
    expect(acmeDiff.quota).toEqual([]);
    expect(acmeDiff.namespaceQuota).toEqual([
      { after: '64', before: '82', resource: 'cpu' },
      { after: '8', before: '14', resource: 'gpu' },
    ]);
  });

  test('flags a new tenant\'s queue as Kueue objects, not limit by limit', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'omega.yaml'), minimalTenant('omega'));
    const { stdout } = runMlp(project.dir, 'diff');
    expect(section(stdout, QUEUEING_HEADING)).toEqual([
      '  omega  adds ClusterQueue omega in cohort shared: guarantee cpu 16, memory 64Gi, ephemeral-storage 200Gi, nvidia.com/gpu 0; borrowing limit cpu 0, memory 0, ephemeral-storage 0, nvidia.com/gpu 0 per flavor; ResourceQuota 0 GPUs (ClusterQueue omega)',
      '  omega  adds LocalQueue omega/default of ClusterQueue omega (LocalQueue default)',
    ]);
  });

  test('flags turning Kueue off: queues deleted while admitted Jobs hold them, Job labels Kueue refuses to remove, platform objects removed', () => {
    const platform = fs.readFileSync(project.platformFile, 'utf8');
    expect(platform).toContain('  queueing:\n    kueue: true\n');
    fs.writeFileSync(project.platformFile, platform.replace('  queueing:\n    kueue: true\n', '  queueing:\n    kueue: false\n'));
    const { status, stdout } = runMlp(project.dir, 'diff');

    expect(status).toBe(0);
    expect(summaryRow(stdout, 'acme').slice(-1)).toEqual(['Job queue labels, deletes ClusterQueue, priority, Kueue objects']);
    expect(section(stdout, EFFECTS)).toEqual([
      '  acme  changes the Kueue labels of Job acme/train in place (kueue.x-k8s.io/priority-class removed, kueue.x-k8s.io/queue-name removed): ' +
        'where Kueue is installed, its Job webhook refuses to remove kueue.x-k8s.io/priority-class from any Job, suspended or not, ' +
        'and to remove kueue.x-k8s.io/queue-name from a Job that is not suspended, so pulumi up will fail on it; ' +
        'delete the Job before deploying, and pulumi up --refresh creates it again (its run starts over)',
      '  acme  deletes ClusterQueue acme: Kueue starts none of its queued Jobs any more (they stay suspended: "ClusterQueue acme is terminating or missing"); ' +
        "Jobs it admitted keep running, and Kueue's finalizer keeps the ClusterQueue until they finish, so pulumi up waits for them and fails after 10 minutes if they still run",
      '  zeta  deletes ClusterQueue zeta: Kueue starts none of its queued Jobs any more (they stay suspended: "ClusterQueue zeta is terminating or missing"); ' +
        "Jobs it admitted keep running, and Kueue's finalizer keeps the ClusterQueue until they finish, so pulumi up waits for them and fails after 10 minutes if they still run",
    ]);
    expect(section(stdout, QUEUEING_HEADING)).toEqual([
      '  (platform)  removes ResourceFlavor a100-80gb (ResourceFlavor a100-80gb)',
      '  (platform)  removes ResourceFlavor default-flavor (ResourceFlavor default-flavor)',
      '  (platform)  removes ResourceFlavor h100-80gb (ResourceFlavor h100-80gb)',
      '  (platform)  removes ResourceFlavor l4 (ResourceFlavor l4)',
      '  (platform)  removes WorkloadPriorityClass mlp-batch (value 1000) (WorkloadPriorityClass mlp-batch)',
      '  (platform)  removes WorkloadPriorityClass mlp-critical (value 100000) (WorkloadPriorityClass mlp-critical)',
      '  (platform)  removes WorkloadPriorityClass mlp-standard (value 10000) (WorkloadPriorityClass mlp-standard)',
      '  acme        priority of Job train: mlp-standard → none (Job train)',
      '  acme        removes ClusterQueue acme in cohort shared (ClusterQueue acme)',
      '  acme        removes LocalQueue acme/default of ClusterQueue acme (LocalQueue default)',
      '  zeta        removes ClusterQueue zeta in cohort shared (ClusterQueue zeta)',
      '  zeta        removes LocalQueue zeta/default of ClusterQueue zeta (LocalQueue default)',
    ]);
  });
});
