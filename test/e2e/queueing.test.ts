/**
 * GPU queueing with the real Kueue manager (v0.19.2, built from its Go
 * module; scripts/control-plane.sh with MLP_CP_KUEUE=1) on the scheduling
 * local cluster: simulated GPU nodes of the fixture platform's GPU types,
 * the real kube-scheduler, kwok. Kueue's webhooks are served on loopback and
 * called by the API server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { GPU_TYPE_LABEL } from '../../devkit/simulated-cluster';
import { FIXTURE_PLATFORM_FILE, fixturePlatform } from '../support/fixtures';

const QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';
const PRIORITY_CLASS_LABEL = 'kueue.x-k8s.io/priority-class';
const KUEUE_API = 'kueue.x-k8s.io/v1beta2';

/** The platform's Kueue objects, shaped as the design of issue 16 says (docs/queueing.md): a flavor per GPU type, one for CPU and memory, a priority class per tier. */
function platformKueueObjects(): object[] {
  const platform = fixturePlatform();
  return [
    ...Object.entries(platform.spec.gpuTypes).map(([name, gpuType]) => ({
      apiVersion: KUEUE_API,
      kind: 'ResourceFlavor',
      metadata: { name },
      spec: { nodeLabels: gpuType.nodeSelector, tolerations: gpuType.tolerations },
    })),
    { apiVersion: KUEUE_API, kind: 'ResourceFlavor', metadata: { name: 'default-flavor' }, spec: {} },
    ...Object.entries(platform.spec.tiers).map(([tier, { value }]) => ({
      apiVersion: KUEUE_API,
      kind: 'WorkloadPriorityClass',
      metadata: { name: `mlp-${tier}` },
      value,
      description: `Jobs of ${tier}-tier work on the ML platform.`,
    })),
  ];
}

/** A tenant's namespace, ClusterQueue (named as the tenant) and LocalQueue `default`, as the design says. */
function tenantKueueObjects(tenant: string, guarantee: { cpu: string; memory: string; gpu: Record<string, number> }): object[] {
  const zero = { borrowingLimit: 0 };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenant } },
    {
      apiVersion: KUEUE_API,
      kind: 'ClusterQueue',
      metadata: { name: tenant },
      spec: {
        cohortName: 'ml-platform',
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': tenant } },
        queueingStrategy: 'BestEffortFIFO',
        resourceGroups: [
          {
            coveredResources: ['cpu', 'memory', 'ephemeral-storage'],
            flavors: [
              {
                name: 'default-flavor',
                resources: [
                  { name: 'cpu', nominalQuota: guarantee.cpu, ...zero },
                  { name: 'memory', nominalQuota: guarantee.memory, ...zero },
                  { name: 'ephemeral-storage', nominalQuota: '100Gi', ...zero },
                ],
              },
            ],
          },
          {
            coveredResources: ['nvidia.com/gpu'],
            flavors: Object.keys(fixturePlatform().spec.gpuTypes).map((gpuType) => ({
              name: gpuType,
              resources: [{ name: 'nvidia.com/gpu', nominalQuota: guarantee.gpu[gpuType] ?? 0, ...zero }],
            })),
          },
        ],
        preemption: { withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: { policy: 'Never' } },
        fairSharing: { weight: 1 },
      },
    },
    { apiVersion: KUEUE_API, kind: 'LocalQueue', metadata: { name: 'default', namespace: tenant }, spec: { clusterQueue: tenant } },
  ];
}

/** An Indexed Job of `workers` pods of `gpus` GPUs each, queued in the tenant's LocalQueue `default`; no node selector or toleration of its own. */
function queuedJob(namespace: string, name: string, workers: number, gpus: number, priority = 'mlp-standard'): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { [QUEUE_NAME_LABEL]: 'default', [PRIORITY_CLASS_LABEL]: priority } },
    spec: {
      completionMode: 'Indexed',
      completions: workers,
      parallelism: workers,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'trainer',
              image: 'registry.ml.example.com/x/trainer:1.0.0',
              resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': String(gpus) } },
            },
          ],
        },
      },
    },
  };
}

describe('Kueue on the scheduling cluster', () => {
  let dir: string;
  let cluster: ControlPlane;

  /** Creates objects (a JSON List) as the admin; returns what the API server stored, after admission. */
  const create = (...objects: object[]): any[] => {
    const file = path.join(dir, `objects-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    // One YAML document per object (kubectl prints no List for a created List).
    return parseAllDocuments(cluster.kubectlOk(['create', '-f', file, '-o', 'yaml'])).map((document) => document.toJS());
  };

  /** The Workload Kueue made for a Job (owned by it), or undefined before it exists. */
  const workloadOf = (job: any): any =>
    JSON.parse(cluster.kubectlOk(['get', 'workloads', '-n', job.metadata.namespace, '-o', 'json'])).items.find((workload: any) =>
      workload.metadata.ownerReferences?.some((owner: any) => owner.kind === 'Job' && owner.uid === job.metadata.uid),
    );

  const condition = (object: any, type: string): any => object?.status?.conditions?.find((entry: any) => entry.type === type);

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-queueing-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), { simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE }, kueue: true });
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'queueing');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a queued Job is suspended by Kueue's webhook, admitted on its flavor, started, and its pods run on that GPU type's nodes", async () => {
    create(...platformKueueObjects());
    create(...tenantKueueObjects('team-a', { cpu: '64', memory: '256Gi', gpu: { 'a100-80gb': 16 } }));
    await cluster.waitFor('ClusterQueue team-a Active', () => condition(cluster.get('clusterqueue', 'team-a'), 'Active')?.status === 'True');

    const [job] = create(queuedJob('team-a', 'train', 2, 8));
    // As stored: the API server called Kueue's mutating webhook on creation.
    expect({ suspend: job.spec.suspend, nodeSelector: job.spec.template.spec.nodeSelector }).toEqual({ suspend: true, nodeSelector: undefined });

    let workload: any;
    await cluster.waitFor('the Workload of team-a/train admitted', () => {
      workload = workloadOf(job);
      return condition(workload, 'Admitted')?.status === 'True';
    });
    expect(condition(workload, 'QuotaReserved')).toMatchObject({ status: 'True', reason: 'QuotaReserved', message: 'Quota reserved in ClusterQueue team-a' });
    expect(condition(workload, 'Admitted')).toMatchObject({ status: 'True', reason: 'Admitted', message: 'The workload is admitted' });
    expect(workload.spec.queueName).toBe('default');
    expect(workload.spec.priorityClassRef).toMatchObject({ name: 'mlp-standard' });
    expect(workload.spec.priority).toBe(fixturePlatform().spec.tiers.standard.value);
    expect(workload.status.admission.clusterQueue).toBe('team-a');
    expect(workload.status.admission.podSetAssignments.map((assignment: any) => ({ flavors: assignment.flavors, count: assignment.count }))).toEqual([
      { flavors: { cpu: 'default-flavor', memory: 'default-flavor', 'nvidia.com/gpu': 'a100-80gb' }, count: 2 },
    ]);

    // Unsuspended with the flavor's node labels and tolerations.
    let started: any;
    await cluster.waitFor('team-a/train unsuspended', () => {
      started = cluster.get('job', 'train', 'team-a');
      return started.spec.suspend === false;
    });
    const a100 = fixturePlatform().spec.gpuTypes['a100-80gb'];
    expect(started.spec.template.spec.nodeSelector).toEqual(a100.nodeSelector);
    expect(started.spec.template.spec.tolerations).toEqual(a100.tolerations);
    const events = JSON.parse(cluster.kubectlOk(['get', 'events', '-n', 'team-a', '--field-selector', 'involvedObject.kind=Job,involvedObject.name=train', '-o', 'json'])).items;
    expect(events.filter((event: any) => event.reason === 'Started').map((event: any) => event.message)).toEqual(['Admitted by clusterQueue team-a']);

    // Its two 8-GPU pods run, one on each A100 node, and the Job completes.
    const finished = await cluster.waitForJob('train', 'team-a', 'Complete');
    expect(finished.status.succeeded).toBe(2);
    const pods = cluster.pods('team-a', 'batch.kubernetes.io/job-name=train');
    expect(pods.map((pod) => [pod.spec.nodeName, cluster.nodeOf(pod).metadata.labels[GPU_TYPE_LABEL], pod.status.phase]).sort()).toEqual([
      ['sim-gpu-a100-80gb-1', 'a100-80gb', 'Succeeded'],
      ['sim-gpu-a100-80gb-2', 'a100-80gb', 'Succeeded'],
    ]);
    await cluster.waitFor('the Workload of team-a/train Finished', () => condition(workloadOf(job), 'Finished')?.status === 'True');
  });
});
