/**
 * The cross-checks of queueing through Kueue (platform queueing.kueue, on in the fixture
 * platform): the GPU split per type, lending within the guarantee, job priorities within the
 * tenant tier, and jobs that their queue could never admit.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { ValidationError, formatProblem } from '../../config/problems';
import { minimalTenant, scratchProject, withoutKueue } from '../support/fixtures';
import { synthesizeAll } from '../../stacks/synth';

const pick = (values: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.filter((key) => key in values).map((key) => [key, values[key]]));

function load(tenant: string, editPlatform: (text: string) => string = (text) => text, others: Record<string, string> = {}) {
  const project = scratchProject({ 'team.yaml': `${minimalTenant('team')}${tenant}`, ...others });
  fs.writeFileSync(project.platformFile, editPlatform(fs.readFileSync(project.platformFile, 'utf8')));
  return loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
}

function problemsOf(tenant: string, editPlatform?: (text: string) => string, others?: Record<string, string>): string[] {
  try {
    load(tenant, editPlatform, others);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).replace(/^.*?tenants\//, 'tenants/'));
  }
  throw new Error('expected a ValidationError, but the file loaded');
}

/** A second tenant of the cohort, guaranteeing 8 A100 and 8 L4 GPUs it may lend. */
const LENDER = { 'lender.yaml': `${minimalTenant('lender')}  quota:\n    gpu: 16\n  queueing:\n    gpuGuarantee:\n      a100-80gb: 8\n      l4: 8\n` };

const job = (name: string, lines: string) => `    - name: ${name}\n      image: registry.ml.example.com/team/trainer:1.0.0\n${lines}`;

describe('queueing cross-checks', () => {
  test('puts the whole GPU guarantee on the one GPU type the jobs use, and computes the namespace amounts', () => {
    const config = load(`  quota:\n    gpu: 16\n    cpu: "64"\n  trainingJobs:\n${job('ddp', '      gpus: 8\n      workers: 2\n      gpuType: h100-80gb\n      cpu: "16"\n')}`);
    const queueing = config.tenants[0].queueing!;
    expect(queueing.guarantee.gpus).toEqual({ 'h100-80gb': 16 });
    expect(queueing.namespaceAmounts).toEqual({ gpu: 16 + 8 * 3, cpu: '128', memory: '576Gi', ephemeralStorage: '700Gi' });
    expect(queueing.servingReserve).toEqual({ gpu: 0, cpu: '0', memory: '0', ephemeralStorage: '0' });
    expect(queueing.preemption).toEqual({ withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: 'Never' });
  });

  test('fails when a job needs more GPUs of its type than guarantee + borrowing limit, naming the numbers', () => {
    expect(problemsOf(`  quota:\n    gpu: 8\n  trainingJobs:\n${job('ddp', '      gpus: 8\n      workers: 3\n')}`)).toEqual([
      "tenants/team.yaml:14: spec.trainingJobs[0].gpus: its 3 workers need 24 GPUs (3 x 8) of type a100-80gb, more than the tenant's queue can ever admit on a100-80gb: guarantee 8 (spec.queueing.gpuGuarantee.a100-80gb, else spec.quota.gpu) + borrowing limit 8 (platform default queueing.defaults.borrowingLimit.gpu in the platform file) = 16; Kueue admits a job only whole, so it would stay queued forever: lower gpus or workers, or raise the a100-80gb guarantee or spec.queueing.borrowingLimit.gpu",
    ]);
  });

  test('fails when a job needs more CPU than guarantee + borrowing limit', () => {
    expect(problemsOf(`  quota:\n    cpu: "8"\n  queueing:\n    borrowingLimit:\n      cpu: "8"\n  trainingJobs:\n${job('big', '      gpus: 0\n      cpu: "6"\n      workers: 3\n')}`)).toEqual([
      "tenants/team.yaml:18: spec.trainingJobs[0].cpu: its 3 workers need 18 cores (3 x 6), more than the tenant's queue can ever admit: guarantee 8 (spec.quota.cpu) + borrowing limit 8 (spec.queueing.borrowingLimit.cpu) = 16; Kueue admits a job only whole, so it would stay queued forever: lower cpu or workers, or raise spec.quota.cpu or spec.queueing.borrowingLimit.cpu",
    ]);
  });

  test('fails when the jobs use two GPU types and no split is given, with an example split', () => {
    expect(problemsOf(`  quota:\n    gpu: 9\n  trainingJobs:\n${job('a', '      gpus: 4\n')}${job('b', '      gpus: 1\n      gpuType: l4\n')}`)).toEqual([
      'tenants/team.yaml:5: spec.queueing: the training jobs use the GPU types a100-80gb, l4, so spec.quota.gpu (9) must be split over them: add gpuGuarantee, e.g. gpuGuarantee: {a100-80gb: 9, l4: 0} (each type at least its largest job\'s GPUs minus the borrowing limit of 8: a100-80gb 4, so at least 0; l4 1, so at least 0; the rest on a100-80gb)',
    ]);
    // The suggested split follows the jobs' needs, and passes its own check.
    const jobs = `${job('ddp', '      gpus: 8\n      workers: 4\n')}${job('small', '      gpus: 1\n      gpuType: l4\n')}`;
    const [advice] = problemsOf(`  quota:\n    gpu: 33\n  trainingJobs:\n${jobs}`);
    expect(advice).toBe(
      "tenants/team.yaml:5: spec.queueing: the training jobs use the GPU types a100-80gb, l4, so spec.quota.gpu (33) must be split over them: add gpuGuarantee, e.g. gpuGuarantee: {a100-80gb: 33, l4: 0} (each type at least its largest job's GPUs minus the borrowing limit of 8: a100-80gb 32, so at least 24; l4 1, so at least 0; the rest on a100-80gb)",
    );
    const accepted = load(`  quota:\n    gpu: 33\n  queueing:\n    gpuGuarantee:\n      a100-80gb: 33\n      l4: 0\n  trainingJobs:\n${jobs}`, undefined, LENDER);
    expect(accepted.tenants.find((tenant) => tenant.name === 'team')?.queueing?.guarantee.gpus).toEqual({ 'a100-80gb': 33 });
    expect(problemsOf(`  quota:\n    gpu: 20\n  trainingJobs:\n${jobs}`)).toEqual([
      "tenants/team.yaml:5: spec.queueing: the training jobs use the GPU types a100-80gb, l4, so spec.quota.gpu (20) must be split over them, but no split lets every job fit: each type needs at least its largest job's GPUs minus the borrowing limit of 8 (a100-80gb 32, so at least 24; l4 1, so at least 0), 24 in all, 4 more than spec.quota.gpu: raise spec.quota.gpu to 24 and add gpuGuarantee: {a100-80gb: 24, l4: 0}, or raise the borrowing limit (spec.queueing.borrowingLimit.gpu), or make the jobs smaller",
    ]);
  });

  test('fails when the split names an unknown GPU type or does not add up to quota.gpu', () => {
    expect(problemsOf(`  quota:\n    gpu: 8\n  queueing:\n    gpuGuarantee:\n      l4: 4\n      v100: 2\n`)).toEqual([
      'tenants/team.yaml:13: spec.queueing.gpuGuarantee: sums to 6 (l4: 4 + v100: 2), but spec.quota.gpu is 8; the split must add up to the GPU guarantee: change the split or spec.quota.gpu',
      'tenants/team.yaml:14: spec.queueing.gpuGuarantee.v100: unknown GPU type "v100"; the platform offers a100-80gb, h100-80gb, l4',
    ]);
  });

  test('fails when the tenant would lend more than its guarantee', () => {
    expect(problemsOf(`  quota:\n    gpu: 2\n    cpu: "4"\n  queueing:\n    lendingLimit:\n      gpu: 3\n      cpu: "5"\n`)).toEqual([
      "tenants/team.yaml:14: spec.queueing.lendingLimit.gpu: 3 exceeds every GPU type's guarantee (the largest is 2 on a100-80gb); the limit applies per GPU type, capped at that type's guarantee, so it would have no effect: lower spec.queueing.lendingLimit.gpu to at most 2, or leave it out to lend all of the idle guarantee",
      "tenants/team.yaml:15: spec.queueing.lendingLimit.cpu: 5 exceeds the tenant's cpu guarantee of 4 (spec.quota.cpu); a tenant lends only what it is guaranteed: lower spec.queueing.lendingLimit.cpu or raise spec.quota.cpu",
    ]);
  });

  test('fails when the ResourceQuota of the Kueue mode exceeds limits.quota, at the field that pushes it over, with the parts', () => {
    const chat = '  modelServices:\n    - name: chat\n      image: registry.ml.example.com/team/chat:1.0.0\n      gpus: 8\n      cpu: "1"\n      memory: 1Gi\n      replicas:\n        max: 500\n';
    expect(problemsOf(`  quota:\n    gpu: 8\n${chat}`)).toEqual([
      "tenants/team.yaml:18: spec.modelServices[0].replicas.max: the namespace's ResourceQuota would hold 4040 GPUs (requests.nvidia.com/gpu): guarantee 8 (spec.quota.gpu) + borrowing limit 8 x 3 GPU types (platform default queueing.defaults.borrowingLimit.gpu in the platform file) + serving reserve 4008 (chat: (500 + 1) x 8), above 1024, the largest gpu quota the platform allows (limits.quota.gpu in the platform file); lower replicas.max of chat, or ask the platform team to raise that limit",
    ]);
  });

  test('fails when borrowing or lending limits exceed limits.quota, in the tenant file and the platform defaults', () => {
    const tenant = `  queueing:\n    borrowingLimit:\n      gpu: 100000\n      memory: 7Ei\n      cpu: "9223372036854775"\n    lendingLimit:\n      memory: "9223372036854775807"\n`;
    expect(problemsOf(tenant)).toEqual([
      'tenants/team.yaml:11: spec.queueing.borrowingLimit.gpu: 100000 exceeds 1024, the largest gpu quota the platform allows (limits.quota.gpu in the platform file); lower it, or ask the platform team to raise that limit',
      'tenants/team.yaml:12: spec.queueing.borrowingLimit.memory: 7Ei exceeds 100Ti, the largest memory quota the platform allows (limits.quota.memory in the platform file); lower it, or ask the platform team to raise that limit',
      'tenants/team.yaml:13: spec.queueing.borrowingLimit.cpu: 9223372036854775 exceeds 10000, the largest cpu quota the platform allows (limits.quota.cpu in the platform file); lower it, or ask the platform team to raise that limit',
      'tenants/team.yaml:15: spec.queueing.lendingLimit.memory: 9223372036854775807 exceeds 100Ti, the largest memory quota the platform allows (limits.quota.memory in the platform file); lower it, or ask the platform team to raise that limit',
      "tenants/team.yaml:15: spec.queueing.lendingLimit.memory: 9223372036854775807 exceeds the tenant's memory guarantee of 64Gi (spec.quota.memory); a tenant lends only what it is guaranteed: lower spec.queueing.lendingLimit.memory or raise spec.quota.memory",
    ]);
    let problems: string[] = [];
    try {
      load('', (text) => text.replace(/^( {6}borrowingLimit:\n {8}gpu:) 8$/m, '$1 2000'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems = error.problems.map((problem) => formatProblem(problem).replace(/^.*?platform\.yaml:\d+/, 'platform.yaml'));
    }
    expect(problems).toEqual([
      'platform.yaml: spec.queueing.defaults.borrowingLimit.gpu: 2000 exceeds 1024, the largest gpu quota the platform allows (limits.quota.gpu in the platform file); lower it, or ask the platform team to raise that limit',
    ]);
  });

  test('counts the ResourceQuota GPUs per resource name: each name its own flavors\' guarantee and borrowing, and its services\' reserve', () => {
    const amd = (text: string) => text.replace('      hourlyPrice: 0.8\n', '      hourlyPrice: 0.8\n      resourceName: amd.com/gpu\n');
    const chat = '  modelServices:\n    - name: chat\n      image: registry.ml.example.com/team/chat:1.0.0\n      gpus: 1\n      gpuType: l4\n      replicas:\n        max: 3\n';
    const config = load(`  quota:\n    gpu: 16\n${chat}`, amd);
    const tenant = config.tenants[0];
    expect(tenant.queueing!.namespaceGpus).toEqual({ 'amd.com/gpu': 8 + 4, 'nvidia.com/gpu': 16 + 8 * 2 });
    expect(tenant.queueing!.namespaceAmounts.gpu).toBe(12 + 32);
    const quota = synthesizeAll(config)[1].objects.find((object) => object.kind === 'ResourceQuota') as any;
    expect(pick(quota.spec.hard, ['requests.amd.com/gpu', 'requests.nvidia.com/gpu'])).toEqual({ 'requests.amd.com/gpu': '12', 'requests.nvidia.com/gpu': '32' });
  });

  test('lendingLimit.gpu is per GPU type: the tenant\'s own above its largest per-type guarantee fails, a platform default is capped per type', () => {
    const split = '  quota:\n    gpu: 10\n  queueing:\n    gpuGuarantee:\n      a100-80gb: 8\n      l4: 2\n';
    expect(problemsOf(`${split}    lendingLimit:\n      gpu: 9\n`)).toEqual([
      "tenants/team.yaml:16: spec.queueing.lendingLimit.gpu: 9 exceeds every GPU type's guarantee (the largest is 8 on a100-80gb); the limit applies per GPU type, capped at that type's guarantee, so it would have no effect: lower spec.queueing.lendingLimit.gpu to at most 8, or leave it out to lend all of the idle guarantee",
    ]);
    expect(load(`${split}    lendingLimit:\n      gpu: 8\n`).tenants[0].queueing?.lendingLimit).toEqual({ gpu: 8 });
    // A platform default of 4 GPUs and 8 cores lent, and a tenant guaranteed no GPU and 4 cores: capped, not refused.
    const lendByDefault = (text: string) => text.replace('      fairSharingWeight: 1\n', '      lendingLimit:\n        gpu: 4\n        cpu: "8"\n      fairSharingWeight: 1\n');
    const config = load('  quota:\n    gpu: 0\n    cpu: "4"\n', lendByDefault);
    expect(config.tenants[0].queueing?.lendingLimit).toEqual({ gpu: 4, cpu: '4' });
    const queue = synthesizeAll(config)[1].objects.find((object) => object.kind === 'ClusterQueue') as any;
    expect(queue.spec.resourceGroups[1].flavors.map((flavor: any) => flavor.resources[0].lendingLimit)).toEqual(['0', '0', '0']);
    expect(queue.spec.resourceGroups[0].flavors[0].resources[0].lendingLimit).toBe('4');
  });

  test('with Kueue off, the tenant queueing section is still checked: GPU types of the split, its sum, lending', () => {
    expect(problemsOf(`  quota:\n    gpu: 8\n    cpu: "4"\n  queueing:\n    gpuGuarantee:\n      v100: 8\n    lendingLimit:\n      cpu: "5"\n`, withoutKueue)).toEqual([
      'tenants/team.yaml:14: spec.queueing.gpuGuarantee.v100: unknown GPU type "v100"; the platform offers a100-80gb, h100-80gb, l4',
      "tenants/team.yaml:16: spec.queueing.lendingLimit.cpu: 5 exceeds the tenant's cpu guarantee of 4 (spec.quota.cpu); a tenant lends only what it is guaranteed: lower spec.queueing.lendingLimit.cpu or raise spec.quota.cpu",
    ]);
  });

  test('fails when a job has more workers than the pod quota, in both modes', () => {
    const tenant = `  quota:\n    pods: 50\n    cpu: "100"\n    memory: 100Gi\n    ephemeralStorage: 1Ti\n  trainingJobs:\n${job('wide', '      gpus: 0\n      cpu: "1"\n      memory: 1Gi\n      ephemeralStorage: 1Gi\n      workers: 60\n')}`;
    const expected = [
      "tenants/team.yaml:21: spec.trainingJobs[0].workers: 60 workers, more pods than the tenant's pod quota of 50 (spec.quota.pods): the ResourceQuota refuses the pods beyond it, so the job never has all its workers (with Kueue, waitForPodsReady evicts and requeues it forever): lower workers to at most 50 or raise spec.quota.pods",
    ];
    expect(problemsOf(tenant)).toEqual(expected);
    expect(problemsOf(tenant, withoutKueue)).toEqual(expected);
  });

  test('fairSharingWeight takes fractions up to 3 decimals (written as a quantity string) and 0, and refuses more decimals', () => {
    const config = load('  queueing:\n    fairSharingWeight: 0.5\n');
    expect(config.tenants[0].queueing?.fairSharingWeight).toBe(0.5);
    const queue = synthesizeAll(config)[1].objects.find((object) => object.kind === 'ClusterQueue') as any;
    expect(queue.spec.fairSharing).toEqual({ weight: '500m' }); // as the API server writes 0.5 back
    expect(load('  queueing:\n    fairSharingWeight: 0\n').tenants[0].queueing?.fairSharingWeight).toBe(0);
    expect(problemsOf('  queueing:\n    fairSharingWeight: 0.1234\n')).toEqual([
      'tenants/team.yaml:10: spec.queueing.fairSharingWeight: expected a number from 0 to 1000 with at most 3 decimals (e.g. 0.5, 1, 2), got 0.1234',
    ]);
  });

  test('fails when a job must borrow more GPUs of its type than the rest of the cohort guarantees and may lend', () => {
    const tenant = `  quota:\n    gpu: 8\n  trainingJobs:\n${job('ddp', '      gpus: 8\n      workers: 2\n')}`;
    expect(problemsOf(tenant)).toEqual([
      "tenants/team.yaml:14: spec.trainingJobs[0].gpus: the job needs 16 GPUs (2 x 8) of type a100-80gb, 8 beyond the tenant's guarantee of 8, but the cohort ml-platform has only 0 a100-80gb GPUs to lend: no other tenant guarantees a100-80gb GPUs it may lend (guarantee, capped by their lendingLimit.gpu); it could never be admitted: raise the tenant's a100-80gb guarantee (spec.quota.gpu, spec.queueing.gpuGuarantee.a100-80gb) to at least 16, or lower gpus or workers",
    ]);
    const stingy = { 'lender.yaml': `${LENDER['lender.yaml']}    lendingLimit:\n      gpu: 5\n` };
    expect(problemsOf(tenant, undefined, stingy)).toEqual([
      "tenants/team.yaml:14: spec.trainingJobs[0].gpus: the job needs 16 GPUs (2 x 8) of type a100-80gb, 8 beyond the tenant's guarantee of 8, but the cohort ml-platform has only 5 a100-80gb GPUs to lend: the other tenants may lend 5 (lender 5) (guarantee, capped by their lendingLimit.gpu); it could never be admitted: raise the tenant's a100-80gb guarantee (spec.quota.gpu, spec.queueing.gpuGuarantee.a100-80gb) to at least 11, or lower gpus or workers",
    ]);
    expect(load(tenant, undefined, LENDER).tenants.map((entry) => entry.name)).toEqual(['lender', 'team']);
  });

  test('fails when a job asks for a priority above the tenant tier', () => {
    expect(problemsOf(`  tier: standard\n  trainingJobs:\n${job('urgent', '      gpus: 0\n      priority: critical\n')}`)).toEqual([
      "tenants/team.yaml:14: spec.trainingJobs[0].priority: critical is above the tenant's tier standard; a job's priority is at most its tenant's tier: write standard or lower, or leave priority out (the tenant's tier)",
    ]);
  });

  test('with Kueue off, checks jobs and services against the plain quota and resolves no queue', () => {
    const tenant = `  quota:\n    gpu: 8\n  trainingJobs:\n${job('ddp', '      gpus: 8\n      workers: 2\n')}`;
    expect(problemsOf(tenant, withoutKueue)).toEqual([
      "tenants/team.yaml:14: spec.trainingJobs[0].gpus: its 2 workers need 16 GPUs (2 x 8), more than the tenant's GPU quota of 8; lower it or raise spec.quota.gpu",
    ]);
    // With Kueue on the same job borrows 8 GPUs beyond its guarantee.
    expect(load(tenant, undefined, LENDER).tenants.find((entry) => entry.name === 'team')?.queueing?.guarantee.gpus).toEqual({ 'a100-80gb': 8 });
    expect(path.basename(load(`  quota:\n    gpu: 1\n`, withoutKueue).tenants[0].file)).toBe('team.yaml');
    expect(load(`  quota:\n    gpu: 1\n`, withoutKueue).tenants[0].queueing).toBeUndefined();
  });
});

/** The problems of the fixture platform file after `edit`, with `platform.yaml:<line>` for its path. */
function platformProblems(edit: (text: string) => string): string[] {
  try {
    load('', edit);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).replace(/^.*?platform\.yaml/, 'platform.yaml'));
  }
  throw new Error('expected a ValidationError, but the platform file loaded');
}

describe('platform queueing settings Kueue refuses', () => {
  test('fails when a tier has reclaimWithinCohort: Never with borrowWithinCohort other than Never', () => {
    expect(
      platformProblems((text) =>
        text.replace('batch: {withinClusterQueue: LowerPriority, reclaimWithinCohort: Any, borrowWithinCohort: Never}', 'batch: {withinClusterQueue: LowerPriority, reclaimWithinCohort: Never, borrowWithinCohort: LowerPriority}'),
      ),
    ).toEqual([
      "platform.yaml:120: spec.queueing.preemption.batch.borrowWithinCohort: Kueue's ClusterQueue refuses reclaimWithinCohort: Never with borrowWithinCohort: LowerPriority (batch tier): a queue that may not preempt to take back its own quota may not preempt to borrow either; set borrowWithinCohort: Never, or reclaimWithinCohort: LowerPriority or Any",
    ]);
  });

  test('fails when a GPU type has more node labels or tolerations than a ResourceFlavor holds (8)', () => {
    const labels = Array.from({ length: 9 }, (_, index) => `        example.com/label-${index}: x`).join('\n');
    const tolerations = Array.from({ length: 9 }, (_, index) => `        - key: example.com/taint-${index}\n          operator: Exists`).join('\n');
    expect(
      platformProblems((text) =>
        text.replace('        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB\n      tolerations:\n        - key: nvidia.com/gpu\n          operator: Exists\n          effect: NoSchedule\n', `${labels}\n      tolerations:\n${tolerations}\n`),
      ),
    ).toEqual([
      "platform.yaml:11: spec.gpuTypes.a100-80gb.nodeSelector: 9 node labels, but Kueue's ResourceFlavor (named like the GPU type, its nodeLabels = this nodeSelector) holds at most 8; select the nodes with at most 8 labels",
      "platform.yaml:21: spec.gpuTypes.a100-80gb.tolerations: 9 tolerations, but Kueue's ResourceFlavor (named like the GPU type, its tolerations = these) holds at most 8; merge tolerations (operator: Exists without value tolerates every value of a key) to at most 8",
    ]);
  });
});

describe('platform GPU type names', () => {
  test('refuse "default-flavor", the name of the ResourceFlavor for CPU and memory', () => {
    let problems: string[] = [];
    try {
      load('', (text) => text.replace(/^ {4}l4:$/m, '    default-flavor:'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems = error.problems.map((problem) => formatProblem(problem).replace(/^.*?platform\.yaml/, 'platform.yaml'));
    }
    expect(problems).toEqual([
      `platform.yaml:26: spec.gpuTypes.default-flavor: "default-flavor" is the name of the queue's ResourceFlavor for CPU, memory and local disk; give the GPU type another name`,
    ]);
  });
});
