/**
 * The synthesized manifests on a cluster that schedules and runs pods: the
 * real kube-scheduler and kube-controller-manager place the fixture tenants'
 * pods on simulated nodes (kwok) derived from the fixture platform file, and
 * kwok runs them. `dist/` is applied with server-side `kubectl apply`, in the
 * order docs/deploy.md gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { GPU_TYPE_LABEL } from '../../devkit/simulated-cluster';
import { synthesizedDist } from '../support/cli';
import { FIXTURE_PLATFORM_FILE, distributedJobTenant, fixturePlatform, fixtureTenants } from '../support/fixtures';

const TENANTS = { ...fixtureTenants(), 'ddp.yaml': distributedJobTenant() };
const NAMESPACES = ['analytics', 'ddp', 'nlp', 'vision'];

/** The GPU type a pod asks for (from its nodeSelector), or undefined for a pod without GPUs. */
function gpuTypeOf(pod: any): string | undefined {
  const asks = pod.spec.containers.some((container: any) => Object.keys(container.resources?.limits ?? {}).includes('nvidia.com/gpu'));
  if (!asks) return undefined;
  const selector = pod.spec.nodeSelector ?? {};
  const match = Object.entries(fixturePlatform().spec.gpuTypes).find(([, spec]) =>
    Object.entries(spec.nodeSelector).every(([key, value]) => selector[key] === value),
  );
  return match?.[0];
}

describe('the fixture tenants on a scheduling cluster', () => {
  let dir: string;
  let cluster: ControlPlane;

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-scheduling-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), { simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE } });

    const dist = synthesizedDist(TENANTS);
    await cluster.applyPlatformCrds();
    cluster.applyDist(dist, NAMESPACES);
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'scheduling');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the simulated nodes follow the platform file: labels, taints and GPUs of each type, and CPU-only nodes', () => {
    const nodes = JSON.parse(cluster.kubectlOk(['get', 'nodes', '-o', 'json'])).items;
    const summary = nodes.map((node: any) => ({
      name: node.metadata.name,
      gpuType: node.metadata.labels[GPU_TYPE_LABEL],
      product: node.metadata.labels['nvidia.com/gpu.product'],
      taints: (node.spec.taints ?? []).map((taint: any) => `${taint.key}=${taint.value}:${taint.effect}`),
      gpus: node.status.allocatable['nvidia.com/gpu'],
    }));
    const gpu = (name: string, gpuType: string, product: string) => ({ name, gpuType, product, taints: ['nvidia.com/gpu=present:NoSchedule'], gpus: '8' });
    expect(summary).toEqual([
      { name: 'sim-cpu-1', gpuType: undefined, product: undefined, taints: [], gpus: undefined },
      { name: 'sim-cpu-2', gpuType: undefined, product: undefined, taints: [], gpus: undefined },
      gpu('sim-gpu-a100-80gb-1', 'a100-80gb', 'NVIDIA-A100-SXM4-80GB'),
      gpu('sim-gpu-a100-80gb-2', 'a100-80gb', 'NVIDIA-A100-SXM4-80GB'),
      gpu('sim-gpu-h100-80gb-1', 'h100-80gb', 'NVIDIA-H100-80GB-HBM3'),
      gpu('sim-gpu-h100-80gb-2', 'h100-80gb', 'NVIDIA-H100-80GB-HBM3'),
      gpu('sim-gpu-l4-1', 'l4', 'NVIDIA-L4'),
      gpu('sim-gpu-l4-2', 'l4', 'NVIDIA-L4'),
    ]);
  });

  test("every tenant's Deployments become Available at their autoscaler's minimum", async () => {
    const available = [];
    for (const namespace of NAMESPACES) {
      for (const deployment of await cluster.waitForDeploymentsAvailable(namespace)) available.push(`${namespace}/${deployment.metadata.name}`);
    }
    expect(available.sort()).toEqual(['analytics/churn-api', 'nlp/chat', 'nlp/embeddings']);
  });

  test('every GPU pod runs on a node of its GPU type, and no pod without GPUs on a GPU node', async () => {
    await cluster.waitFor('the tenant pods scheduled', () => NAMESPACES.every((namespace) => cluster.pods(namespace).every((pod) => pod.spec.nodeName)));
    const placements = NAMESPACES.flatMap((namespace) =>
      cluster.pods(namespace).map((pod) => ({
        pod: `${namespace}/${pod.metadata.name}`,
        wants: gpuTypeOf(pod) ?? 'none',
        node: cluster.nodeOf(pod).metadata.labels,
      })),
    );
    expect(placements.filter((placement) => placement.wants !== 'none').length).toBeGreaterThanOrEqual(4);
    expect(placements.filter((placement) => placement.wants === 'none').length).toBeGreaterThanOrEqual(2);
    for (const placement of placements) {
      if (placement.wants === 'none') {
        expect({ pod: placement.pod, gpuType: placement.node[GPU_TYPE_LABEL] }).toEqual({ pod: placement.pod, gpuType: undefined });
      } else {
        const selector = fixturePlatform().spec.gpuTypes[placement.wants].nodeSelector;
        expect({ pod: placement.pod, labels: Object.fromEntries(Object.keys(selector).map((key) => [key, placement.node[key]])) }).toEqual({
          pod: placement.pod,
          labels: selector,
        });
        expect(placement.node[GPU_TYPE_LABEL]).toBe(placement.wants);
      }
    }
  });

  test('the 2-worker distributed job runs both workers and completes; a checkpoint claim binds and outlives its Job', async () => {
    const job = await cluster.waitForJob('train', 'ddp', 'Complete');
    expect({ succeeded: job.status.succeeded, failed: job.status.failed ?? 0, completedIndexes: job.status.completedIndexes }).toEqual({
      succeeded: 2,
      failed: 0,
      completedIndexes: '0,1',
    });
    const workers = cluster.pods('ddp', 'batch.kubernetes.io/job-name=train');
    expect(workers.map((pod) => [pod.metadata.annotations['batch.kubernetes.io/job-completion-index'], pod.status.phase]).sort()).toEqual([
      ['0', 'Succeeded'],
      ['1', 'Succeeded'],
    ]);
    for (const pod of workers) expect(cluster.nodeOf(pod).metadata.labels[GPU_TYPE_LABEL]).toBe('a100-80gb');

    const vision = await cluster.waitForJob('resnet-ddp', 'vision', 'Complete', 180_000);
    expect(vision.status.succeeded).toBe(4);
    const claim = cluster.get('pvc', 'resnet-ddp-checkpoints', 'vision');
    expect({ phase: claim.status.phase, storageClassName: claim.spec.storageClassName }).toEqual({ phase: 'Bound', storageClassName: 'filestore-rwx' });

    // The claim outlives its Job: deleting the finished Job and its pods leaves it bound.
    cluster.kubectlOk(['delete', 'job', 'resnet-ddp', '-n', 'vision', '--cascade=foreground', '--wait=true']);
    await cluster.waitFor('the pods of resnet-ddp gone', () => cluster.pods('vision', 'batch.kubernetes.io/job-name=resnet-ddp').length === 0);
    const after = cluster.get('pvc', 'resnet-ddp-checkpoints', 'vision');
    expect({ uid: after.metadata.uid, phase: after.status.phase, volume: after.spec.volumeName }).toEqual({
      uid: claim.metadata.uid,
      phase: 'Bound',
      volume: claim.spec.volumeName,
    });
  });

  test('a pod asking for more GPUs than any node has stays Pending: Insufficient nvidia.com/gpu', async () => {
    cluster.kubectlOk(['create', 'namespace', 'capacity-check']);
    const manifest = path.join(dir, 'too-big.json');
    fs.writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'too-big', namespace: 'capacity-check' },
        spec: {
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{ name: 'main', image: 'registry.ml.example.com/x/trainer:1.0.0', resources: { limits: { 'nvidia.com/gpu': '16' } } }],
        },
      }),
    );
    cluster.kubectlOk(['create', '-f', manifest]);
    let condition: any;
    await cluster.waitFor('the scheduler to give up on too-big', () => {
      condition = cluster.get('pod', 'too-big', 'capacity-check').status.conditions?.find((entry: any) => entry.type === 'PodScheduled');
      return condition?.reason === 'Unschedulable';
    });
    expect(condition.message).toContain('2 Insufficient nvidia.com/gpu');
    expect(cluster.get('pod', 'too-big', 'capacity-check').spec.nodeName).toBeUndefined();
  });
});
