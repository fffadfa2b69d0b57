/**
 * Kueue queueing across the fixture tenants (platform queueing.kueue: true) and with the
 * switch off: what the "done when" asks of every tenant, and today's output unchanged.
 */
import * as fs from 'fs';
import { loadConfig } from '../../config/load';
import { synthesizeAll } from '../../stacks/synth';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR, fixtureTenants, scratchProject, withoutKueue } from '../support/fixtures';

const config = () => loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR });
const KUEUE_LABELS = ['kueue.x-k8s.io/queue-name', 'kueue.x-k8s.io/priority-class'];

/** The labels Kueue reads of each Job and of the Jobs each CronJob makes, by `Kind/name`. */
function jobLabels(objects: any[]): Record<string, Record<string, string>> {
  return Object.fromEntries(
    objects
      .filter((object) => object.kind === 'Job' || object.kind === 'CronJob')
      .map((object) => [`${object.kind}/${object.metadata.name}`, object.kind === 'Job' ? object.metadata.labels : object.spec.jobTemplate.metadata.labels]),
  );
}

const pick = (labels: Record<string, string>, keys: readonly string[]) => Object.fromEntries(keys.filter((key) => key in labels).map((key) => [key, labels[key]]));

describe('queueing with Kueue on', () => {
  const loaded = config();
  const groups = synthesizeAll(loaded);

  test('every tenant has a ClusterQueue whose GPU nominalQuota, summed over GPU flavors, is spec.quota.gpu, and a LocalQueue default in its namespace', () => {
    const tenants = groups.slice(1);
    expect(tenants.map((group) => group.dir)).toEqual(['analytics', 'nlp', 'vision']);
    for (const group of tenants) {
      const tenant = loaded.tenants.find((candidate) => candidate.name === group.dir)!;
      const clusterQueues = group.objects.filter((object) => object.kind === 'ClusterQueue');
      expect(clusterQueues.map((queue) => queue.metadata.name)).toEqual([tenant.name]);
      const [queue] = clusterQueues as any[];
      expect(queue.spec.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': tenant.name } });
      expect(queue.spec.cohortName).toBe('ml-platform');
      const gpuGroup = queue.spec.resourceGroups[1];
      expect(gpuGroup.coveredResources).toEqual(['nvidia.com/gpu']);
      expect(gpuGroup.flavors.map((flavor: any) => flavor.name)).toEqual(['a100-80gb', 'h100-80gb', 'l4']);
      const nominal = gpuGroup.flavors.reduce((sum: number, flavor: any) => sum + Number(flavor.resources[0].nominalQuota), 0);
      expect(nominal).toBe(tenant.quota.gpu);
      const localQueues = group.objects.filter((object) => object.kind === 'LocalQueue') as any[];
      expect(localQueues.map((local) => [local.metadata.name, local.metadata.namespace, local.spec.clusterQueue])).toEqual([['default', tenant.name, tenant.name]]);
    }
  });

  test('the guarantees of the example tenants: vision splits 33 GPUs over A100 and L4, nlp keeps 8 H100s, analytics none and borrows none', () => {
    const flavors = (dir: string) => {
      const queue = groups.find((group) => group.dir === dir)!.objects.find((object) => object.kind === 'ClusterQueue') as any;
      return queue.spec.resourceGroups[1].flavors.map((flavor: any) => [flavor.name, flavor.resources[0].nominalQuota, flavor.resources[0].borrowingLimit]);
    };
    // Quantities as the API server stores them: strings (lib/tenant-queue.ts quotaOf).
    expect(flavors('vision')).toEqual([['a100-80gb', '32', '8'], ['h100-80gb', '0', '8'], ['l4', '1', '8']]);
    expect(flavors('nlp')).toEqual([['a100-80gb', '0', '8'], ['h100-80gb', '8', '8'], ['l4', '0', '8']]);
    expect(flavors('analytics')).toEqual([['a100-80gb', '0', '0'], ['h100-80gb', '0', '0'], ['l4', '0', '0']]);
  });

  test('the ResourceQuota is guarantee + borrowing limit (GPUs: x 3 GPU types) + serving reserve', () => {
    const hard = (dir: string) => (groups.find((group) => group.dir === dir)!.objects.find((object) => object.kind === 'ResourceQuota') as any).spec.hard;
    // nlp: guarantee 8 GPUs, 48 CPU, 320Gi, 200Gi; borrowing 8 GPUs per type, 64 CPU, 512Gi, 500Gi;
    // serving reserve: chat (7 + 1) x (1 GPU, 8 CPU, 48Gi, 40Gi) and embeddings (6 + 1) x (2 CPU, 8Gi, 10Gi).
    expect(hard('nlp')).toMatchObject({
      'requests.nvidia.com/gpu': String(8 + 8 * 3 + 8),
      'requests.cpu': String(48 + 64 + (8 * 8 + 7 * 2)),
      'limits.cpu': String(48 + 64 + (8 * 8 + 7 * 2)),
      'requests.memory': `${320 + 512 + (8 * 48 + 7 * 8)}Gi`,
      'requests.ephemeral-storage': `${200 + 500 + (8 * 40 + 7 * 10)}Gi`,
      'requests.storage': '1Ti',
      pods: '120',
    });
    // analytics borrows no GPUs and has none guaranteed or reserved.
    expect(hard('analytics')['requests.nvidia.com/gpu']).toBe('0');
  });

  test('every training Job and CronJob job template carries the queue and priority labels, and none sets suspend', () => {
    const objects = groups.flatMap((group) => group.objects);
    const labels = jobLabels(objects);
    expect(Object.keys(labels).sort()).toEqual(['CronJob/churn-model', 'CronJob/eval-nightly', 'Job/chat-finetune', 'Job/resnet-ddp']);
    expect(Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, pick(value, KUEUE_LABELS)]))).toEqual({
      'CronJob/churn-model': { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-batch' },
      'CronJob/eval-nightly': { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-standard' },
      'Job/chat-finetune': { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-standard' },
      'Job/resnet-ddp': { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-critical' },
    });
    expect(JSON.stringify(objects)).not.toContain('"suspend"');
  });

  test('the platform has a ResourceFlavor per GPU type plus default-flavor, and a WorkloadPriorityClass per tier at the PriorityClass value', () => {
    const platform = groups[0].objects as any[];
    const flavors = platform.filter((object) => object.kind === 'ResourceFlavor');
    expect(flavors.map((flavor) => [flavor.metadata.name, flavor.spec.nodeLabels])).toEqual([
      ['default-flavor', undefined],
      ['a100-80gb', { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' }],
      ['h100-80gb', { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }],
      ['l4', { 'nvidia.com/gpu.product': 'NVIDIA-L4' }],
    ]);
    expect(flavors[1].spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const priorities = platform.filter((object) => object.kind === 'WorkloadPriorityClass').map((object) => [object.metadata.name, object.value]);
    const priorityClasses = platform.filter((object) => object.kind === 'PriorityClass').map((object) => [object.metadata.name, object.value]);
    expect(priorities).toEqual([['mlp-critical', 100000], ['mlp-standard', 10000], ['mlp-batch', 1000]]);
    expect(priorities).toEqual(priorityClasses);
  });
});

describe('queueing with Kueue off (queueing.kueue: false)', () => {
  test('emits no Kueue object and no Kueue label, and the ResourceQuota is spec.quota as before', () => {
    // nlp's quota is a guarantee beside its serving reserve: with Kueue off its services no longer fit it (test/config/queueing.test.ts).
    const { 'nlp.yaml': _nlp, ...tenants } = fixtureTenants();
    const project = scratchProject(tenants);
    fs.writeFileSync(project.platformFile, withoutKueue(fs.readFileSync(project.platformFile, 'utf8')));
    const loaded = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    const objects = synthesizeAll(loaded).flatMap((group) => group.objects);
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.filter((object) => object.apiVersion.startsWith('kueue.x-k8s.io/'))).toEqual([]);
    const labels = jobLabels(objects);
    expect(Object.keys(labels)).toHaveLength(3);
    expect(Object.values(labels).map((value) => pick(value, KUEUE_LABELS))).toEqual([{}, {}, {}]);
    expect(loaded.tenants.map((tenant) => tenant.queueing)).toEqual([undefined, undefined]);
    const vision = (objects.find((object) => object.kind === 'ResourceQuota' && object.metadata.namespace === 'vision') as any).spec.hard;
    expect(vision).toMatchObject({ 'requests.nvidia.com/gpu': '33', 'requests.cpu': '160', 'requests.memory': '1280Gi', 'requests.ephemeral-storage': '1Ti' });
  });
});
