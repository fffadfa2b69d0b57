import { QueueChange, queueChanges } from '../../review/queue-changes';
import { KubeObject } from '../../policy/kube-object';

interface QueueOptions {
  readonly gpu?: Record<string, { nominal: number; borrow?: number; lend?: number }>;
  readonly cpu?: string;
  readonly weight?: number;
  readonly cohort?: string;
  readonly strategy?: string;
  readonly preemption?: { within?: string; reclaim?: string; borrow?: string };
}

/** A ClusterQueue `acme` with a cpu group on default-flavor and a GPU group with one flavor per entry of `gpu`. */
function clusterQueue(options: QueueOptions = {}): KubeObject {
  const gpu = options.gpu ?? { 'a100-80gb': { nominal: 8, borrow: 0 } };
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'ClusterQueue',
    metadata: { name: 'acme' },
    spec: {
      cohortName: options.cohort ?? 'shared',
      ...(options.strategy !== undefined && { queueingStrategy: options.strategy }),
      ...(options.preemption !== undefined && {
        preemption: {
          ...(options.preemption.within !== undefined && { withinClusterQueue: options.preemption.within }),
          ...(options.preemption.reclaim !== undefined && { reclaimWithinCohort: options.preemption.reclaim }),
          ...(options.preemption.borrow !== undefined && { borrowWithinCohort: { policy: options.preemption.borrow } }),
        },
      }),
      resourceGroups: [
        { coveredResources: ['cpu'], flavors: [{ name: 'default-flavor', resources: [{ name: 'cpu', nominalQuota: options.cpu ?? '64', borrowingLimit: '0' }] }] },
        {
          coveredResources: ['nvidia.com/gpu'],
          flavors: Object.entries(gpu).map(([name, amounts]) => ({
            name,
            resources: [
              {
                name: 'nvidia.com/gpu',
                nominalQuota: amounts.nominal,
                ...(amounts.borrow !== undefined && { borrowingLimit: amounts.borrow }),
                ...(amounts.lend !== undefined && { lendingLimit: amounts.lend }),
              },
            ],
          })),
        },
      ],
      ...(options.weight !== undefined && { fairSharing: { weight: options.weight } }),
    },
  };
}

const localQueue: KubeObject = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default', namespace: 'acme' }, spec: { clusterQueue: 'acme' } };

function job(priority: string | undefined, kind: 'Job' | 'CronJob' = 'Job'): KubeObject {
  const labels = priority === undefined ? {} : { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': priority };
  return kind === 'Job'
    ? { apiVersion: 'batch/v1', kind, metadata: { name: 'train', namespace: 'acme', labels }, spec: { template: {} } }
    : { apiVersion: 'batch/v1', kind, metadata: { name: 'nightly', namespace: 'acme' }, spec: { jobTemplate: { metadata: { labels }, spec: {} } } };
}

const lines = (changes: QueueChange[]) => changes.map((change) => `${change.category} ${change.change}: ${change.message} (${change.object})`);

describe('queueChanges', () => {
  test('names a changed guarantee, borrowing limit, lending limit and fair-sharing weight with the flavor and both values', () => {
    const before = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0 } } });
    const after = clusterQueue({ gpu: { 'a100-80gb': { nominal: 16, borrow: 8, lend: 4 } }, cpu: '96', weight: 2 });
    const changes = queueChanges([before], [after]);
    expect(lines(changes)).toEqual([
      'guarantee changed: guarantee of cpu (flavor default-flavor): 64 → 96 (ClusterQueue acme)',
      'guarantee changed: guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16 (ClusterQueue acme)',
      'borrowing-limit changed: borrowing limit of nvidia.com/gpu (flavor a100-80gb): 0 → 8 (ClusterQueue acme)',
      'lending-limit added: lending limit of nvidia.com/gpu (flavor a100-80gb): all of the guarantee → 4 (ClusterQueue acme)',
      'fair-sharing changed: fair-sharing weight: 1 → 2 (ClusterQueue acme)',
    ]);
    expect(changes[1]).toEqual({
      category: 'guarantee',
      change: 'changed',
      message: 'guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16',
      object: 'ClusterQueue acme',
      before: '8',
      after: '16',
    });
    expect(changes[3]).toEqual({
      category: 'lending-limit',
      change: 'added',
      message: 'lending limit of nvidia.com/gpu (flavor a100-80gb): all of the guarantee → 4',
      object: 'ClusterQueue acme',
      after: '4',
    });
  });

  test('reads a borrowing limit that goes away as no limit, and the same amount written otherwise as no change', () => {
    const before = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 4 } }, cpu: '64' });
    const after = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8 } }, cpu: '64000m', weight: 1 });
    expect(lines(queueChanges([before], [after]))).toEqual([
      'borrowing-limit removed: borrowing limit of nvidia.com/gpu (flavor a100-80gb): 4 → no limit (ClusterQueue acme)',
    ]);
  });

  test('names a GPU flavor that joins a queue by what it adds, not by a guarantee of 0 that was 0', () => {
    const before = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0 } } });
    const after = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0 }, l4: { nominal: 0, borrow: 2 } } });
    expect(lines(queueChanges([before], [after]))).toEqual([
      'borrowing-limit added: borrowing limit of nvidia.com/gpu (flavor l4): none (flavor not in the queue) → 2 (ClusterQueue acme)',
      'lending-limit added: lending limit of nvidia.com/gpu (flavor l4): none (flavor not in the queue) → all of the guarantee (ClusterQueue acme)',
    ]);
  });

  test('flags Kueue objects that appear or go away as one change each, without listing the new queue settings', () => {
    const wpc: KubeObject = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'WorkloadPriorityClass', metadata: { name: 'mlp-batch' }, value: 100 };
    const flavor: KubeObject = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: 'l4' }, spec: {} };
    expect(lines(queueChanges([flavor], [clusterQueue(), localQueue, wpc]))).toEqual([
      'kueue-object added: adds ClusterQueue acme in cohort shared: guarantee cpu 64, nvidia.com/gpu 8; borrowing limit cpu 0, nvidia.com/gpu 0 (ClusterQueue acme)',
      'kueue-object added: adds LocalQueue acme/default of ClusterQueue acme (LocalQueue default)',
      'kueue-object added: adds WorkloadPriorityClass mlp-batch (value 100) (WorkloadPriorityClass mlp-batch)',
      'kueue-object removed: removes ResourceFlavor l4 (ResourceFlavor l4)',
    ]);
  });

  test('says what a new ClusterQueue guarantees, may borrow and what its namespace ResourceQuota holds of GPUs', () => {
    const queue = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 4 }, h100: { nominal: 0, borrow: 4 }, l4: { nominal: 2, borrow: 4 } } });
    const quota: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'tenant-quota', namespace: 'acme' }, spec: { hard: { 'requests.nvidia.com/gpu': '22' } } };
    expect(lines(queueChanges([], [queue, quota]))).toEqual([
      'kueue-object added: adds ClusterQueue acme in cohort shared: guarantee cpu 64, nvidia.com/gpu 10 (a100-80gb 8, l4 2); borrowing limit cpu 0, nvidia.com/gpu 4 per flavor; ' +
        'ResourceQuota 22 GPUs (ClusterQueue acme)',
    ]);
    const uneven = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 4 }, l4: { nominal: 0 } } });
    expect(queueChanges([], [uneven])[0].message).toBe(
      'adds ClusterQueue acme in cohort shared: guarantee cpu 64, nvidia.com/gpu 8 (a100-80gb 8); borrowing limit cpu 0, nvidia.com/gpu (a100-80gb 4, l4 no limit)',
    );
  });

  test("names a changed cohort, queueing strategy and preemption policy of a ClusterQueue (the platform file's queueing), absent ones as Kueue's defaults", () => {
    const before = clusterQueue({ strategy: 'BestEffortFIFO', preemption: { within: 'LowerPriority', reclaim: 'Any', borrow: 'LowerPriority' } });
    const after = clusterQueue({ cohort: 'research', strategy: 'StrictFIFO', preemption: { within: 'LowerPriority', reclaim: 'Never' } });
    expect(lines(queueChanges([before], [after]))).toEqual([
      'cohort changed: cohort: shared → research (ClusterQueue acme)',
      'queueing-strategy changed: queueing strategy: BestEffortFIFO → StrictFIFO (ClusterQueue acme)',
      'preemption removed: preemption borrowWithinCohort: LowerPriority → Never (ClusterQueue acme)',
      'preemption changed: preemption reclaimWithinCohort: Any → Never (ClusterQueue acme)',
    ]);
    expect(queueChanges([clusterQueue()], [clusterQueue({ strategy: 'BestEffortFIFO', preemption: { reclaim: 'Never' } })])).toEqual([]);
  });

  test("flags a Job's or CronJob's priority changing, being set or being removed, but not a new Job's", () => {
    expect(lines(queueChanges([job('mlp-standard'), job('mlp-standard', 'CronJob')], [job('mlp-batch'), job('mlp-critical', 'CronJob')]))).toEqual([
      'priority changed: priority of CronJob nightly: mlp-standard → mlp-critical (CronJob nightly)',
      'priority changed: priority of Job train: mlp-standard → mlp-batch (Job train)',
    ]);
    expect(lines(queueChanges([job(undefined)], [job('mlp-batch')]))).toEqual(['priority added: priority of Job train: none → mlp-batch (Job train)']);
    expect(lines(queueChanges([job('mlp-batch')], [job(undefined)]))).toEqual(['priority removed: priority of Job train: mlp-batch → none (Job train)']);
    expect(queueChanges([], [job('mlp-batch')])).toEqual([]);
  });

  test('leaves out a lending limit that lends as much as before: a limit set on a flavor guaranteed 0', () => {
    const before = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0 }, l4: { nominal: 0, borrow: 0 } } });
    const after = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0, lend: 8 }, l4: { nominal: 0, borrow: 0, lend: 0 } } });
    expect(queueChanges([before], [after])).toEqual([]);
    const lower = clusterQueue({ gpu: { 'a100-80gb': { nominal: 8, borrow: 0, lend: 2 }, l4: { nominal: 0, borrow: 0, lend: 0 } } });
    expect(lines(queueChanges([before], [lower]))).toEqual([
      'lending-limit added: lending limit of nvidia.com/gpu (flavor a100-80gb): all of the guarantee → 2 (ClusterQueue acme)',
    ]);
  });

  test('finds nothing between equal versions', () => {
    const objects = [clusterQueue({ weight: 2 }), localQueue, job('mlp-batch')];
    expect(queueChanges(objects, objects)).toEqual([]);
  });
});
