import { Testing } from 'cdk8s';
import { GpuTrainingJob } from '../../lib/gpu-training-job';
import { PlatformQueueing } from '../../lib/platform-queueing';
import { TenantNamespace } from '../../lib/tenant-namespace';
import { TenantQueue } from '../../lib/tenant-queue';

const A100 = { name: 'a100-80gb', nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } };
const L4 = { name: 'l4', nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L4' } };

function tenant(chart = Testing.chart(), name = 'team', tier: 'critical' | 'standard' | 'batch' = 'standard') {
  return new TenantNamespace(chart, name, {
    name,
    costCenter: 'cc-1',
    owners: [{ user: 'owner@example.com' }],
    tier,
    quota: { cpu: '64', memory: '256Gi', gpu: 8, storage: '1Ti', pods: 50 },
    limits: { defaultRequest: { cpu: '1', memory: '1Gi' }, default: { cpu: '1', memory: '1Gi' }, max: { cpu: '32', memory: '128Gi' } },
  });
}

const GUARANTEE = { cpu: '64', memory: '256Gi', ephemeralStorage: '200Gi', gpus: { 'a100-80gb': 6, l4: 2 } };

describe('TenantQueue', () => {
  test('synthesizes a ClusterQueue named like the tenant and the LocalQueue default', () => {
    const chart = Testing.chart();
    new TenantQueue(chart, 'queue', {
      tenant: tenant(chart),
      guarantee: GUARANTEE,
      gpuTypes: [A100, L4],
      borrowingLimit: { gpu: 4, cpu: '8', memory: '32Gi', ephemeralStorage: '0' },
      lendingLimit: { gpu: 3 },
      fairSharingWeight: 2,
    });
    const objects = Testing.synth(chart).filter((object) => object.apiVersion === 'kueue.x-k8s.io/v1beta2');
    expect(objects).toMatchSnapshot();
    const [clusterQueue, localQueue] = objects;
    expect(clusterQueue.spec.resourceGroups[1].flavors).toEqual([
      { name: 'a100-80gb', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '6', borrowingLimit: '4', lendingLimit: '3' }] },
      // The lending limit of a flavor is capped at its guarantee.
      { name: 'l4', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '2', borrowingLimit: '4', lendingLimit: '2' }] },
    ]);
    expect(clusterQueue.spec.fairSharing).toEqual({ weight: '2' });
    expect(clusterQueue.spec.preemption).toEqual({ withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: { policy: 'Never' } });
    expect(localQueue.metadata).toMatchObject({ name: 'default', namespace: 'team' });
    expect(localQueue.spec).toEqual({ clusterQueue: 'team' });
  });

  test('writes every quota and the fair-sharing weight as a string, as the API server stores quantities', () => {
    // A number (8) reads back as "8": `pulumi preview --refresh` then proposed to change every
    // ClusterQueue, although nothing had changed (test/e2e/queueing.test.ts).
    const chart = Testing.chart();
    new TenantQueue(chart, 'queue', { tenant: tenant(chart), guarantee: GUARANTEE, gpuTypes: [A100, L4], borrowingLimit: { gpu: 8, cpu: '64', memory: '512Gi', ephemeralStorage: '0' } });
    const clusterQueue = Testing.synth(chart).find((object) => object.kind === 'ClusterQueue')!;
    const amounts = clusterQueue.spec.resourceGroups.flatMap((group: any) =>
      group.flavors.flatMap((flavor: any) => flavor.resources.flatMap((resource: any) => [resource.nominalQuota, resource.borrowingLimit, resource.lendingLimit])),
    );
    expect(amounts.length).toBe(15);
    expect(amounts.filter((amount: unknown) => amount !== undefined && typeof amount !== 'string')).toEqual([]);
    expect(clusterQueue.spec.fairSharing).toEqual({ weight: '1' });
  });

  test('fails when it would lend more CPU than its guarantee', () => {
    expect(() => new TenantQueue(Testing.chart(), 'queue', { tenant: tenant(), guarantee: GUARANTEE, lendingLimit: { cpu: '65' }, gpuTypes: [A100, L4] })).toThrow(
      'TenantQueue team: lendingLimit.cpu 65 exceeds the guarantee of 64; a tenant lends only what it is guaranteed: lower it',
    );
  });

  test('fails when the guarantee names a GPU type without a flavor', () => {
    expect(() => new TenantQueue(Testing.chart(), 'queue', { tenant: tenant(), guarantee: GUARANTEE, gpuTypes: [A100] })).toThrow(
      'TenantQueue team: guarantee.gpus names GPU type "l4", which is not in gpuTypes (a100-80gb); use one of those',
    );
  });
});

describe('GpuTrainingJob in a queue', () => {
  test('labels a one-off Job and the Jobs of a CronJob with the queue and its priority, never suspend', () => {
    const chart = Testing.chart();
    const team = tenant(chart, 'team', 'critical');
    const queue = new TenantQueue(chart, 'queue', { tenant: team, guarantee: GUARANTEE, gpuTypes: [A100, L4] });
    new GpuTrainingJob(chart, 'once', { tenant: team, image: 'registry.example.com/t:1.0.0', gpuType: A100, queue });
    new GpuTrainingJob(chart, 'nightly', { tenant: team, image: 'registry.example.com/t:1.0.0', gpuType: L4, queue, priority: 'batch', schedule: '@daily' });
    const objects = Testing.synth(chart);
    const job = objects.find((object) => object.kind === 'Job');
    const cronJob = objects.find((object) => object.kind === 'CronJob');
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-critical' });
    expect(cronJob.spec.jobTemplate.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-batch' });
    expect(job.spec.template.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect([job.spec.suspend, cronJob.spec.jobTemplate.spec.suspend]).toEqual([undefined, undefined]);
  });

  test('fails when the priority is above the tenant tier', () => {
    const chart = Testing.chart();
    expect(() => new GpuTrainingJob(chart, 'urgent', { tenant: tenant(chart, 'team', 'batch'), image: 'registry.example.com/t:1.0.0', priority: 'standard' })).toThrow(
      'GpuTrainingJob urgent: priority standard is above the tier of tenant team (batch); use batch or lower',
    );
  });

  test('fails when the queue is another tenant’s', () => {
    const chart = Testing.chart();
    const other = new TenantQueue(chart, 'queue', { tenant: tenant(chart, 'other'), guarantee: GUARANTEE, gpuTypes: [A100, L4] });
    expect(() => new GpuTrainingJob(chart, 'train', { tenant: tenant(chart, 'team'), image: 'registry.example.com/t:1.0.0', queue: other })).toThrow(
      'GpuTrainingJob train: queue is the TenantQueue of tenant other, not of team; pass the job\'s own tenant\'s queue',
    );
  });
});

describe('PlatformQueueing', () => {
  test('fails when a GPU type is named like the CPU flavor', () => {
    expect(() => new PlatformQueueing(Testing.chart(), 'queueing', { gpuTypes: [{ ...A100, name: 'default-flavor' }], priorities: { critical: 3, standard: 2, batch: 1 } })).toThrow(
      'PlatformQueueing: gpuTypes[0] is named "default-flavor", the ResourceFlavor of CPU and memory; rename the GPU type',
    );
  });
});
