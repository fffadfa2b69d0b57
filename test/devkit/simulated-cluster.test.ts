import { DEFAULT_STORAGE_CLASS, GPU_TYPE_LABEL, KubeObject, optionsFromEnv, simulatedClusterObjects } from '../../devkit/simulated-cluster';
import { PlatformFile } from '../../config/schema/platform';
import { fixturePlatform } from '../support/fixtures';

const VOLUMES = '/tmp/mlp-sim/volumes';

function withGpuTypes(gpuTypes: Record<string, unknown>, storage: Record<string, string> = {}): PlatformFile {
  const platform = fixturePlatform();
  return { ...platform, spec: { ...platform.spec, gpuTypes: gpuTypes as PlatformFile['spec']['gpuTypes'], storage } };
}

const ofKind = (objects: readonly KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);

describe('simulatedClusterObjects', () => {
  test('makes 2 nodes of 8 GPUs per GPU type, with its labels and a taint its tolerations match, and 2 CPU nodes', () => {
    const nodes = ofKind(simulatedClusterObjects(fixturePlatform(), { volumesDir: VOLUMES }), 'Node');
    expect(nodes.map((node) => node.metadata.name)).toEqual([
      'sim-gpu-a100-80gb-1',
      'sim-gpu-a100-80gb-2',
      'sim-gpu-h100-80gb-1',
      'sim-gpu-h100-80gb-2',
      'sim-gpu-l4-1',
      'sim-gpu-l4-2',
      'sim-cpu-1',
      'sim-cpu-2',
    ]);
    const l4 = nodes[4] as any;
    expect(l4.metadata.labels).toEqual({
      'nvidia.com/gpu.product': 'NVIDIA-L4',
      [GPU_TYPE_LABEL]: 'l4',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'sim-gpu-l4-1',
      'kubernetes.io/os': 'linux',
      'mlp.io/simulated': 'true',
    });
    expect(l4.metadata.annotations).toEqual({ 'kwok.x-k8s.io/node': 'fake' });
    expect(l4.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    expect(l4.status.allocatable).toEqual({ cpu: '96', memory: '1024Gi', 'ephemeral-storage': '2Ti', pods: '110', 'nvidia.com/gpu': '8' });
    const cpu = nodes[6] as any;
    expect({ taints: cpu.spec.taints, gpuType: cpu.metadata.labels[GPU_TYPE_LABEL], allocatable: cpu.status.allocatable }).toEqual({
      taints: undefined,
      gpuType: undefined,
      allocatable: { cpu: '32', memory: '128Gi', 'ephemeral-storage': '500Gi', pods: '110' },
    });
  });

  test('follows the sizes given, and the resourceName of a GPU type', () => {
    const platform = withGpuTypes({ mi300: { nodeSelector: { 'amd.com/gpu.product': 'MI300X' }, tolerations: [], hourlyPrice: 3, resourceName: 'amd.com/gpu' } });
    const nodes = ofKind(simulatedClusterObjects(platform, { volumesDir: VOLUMES, gpuNodesPerType: 3, gpusPerNode: 4, cpuNodes: 0 }), 'Node') as any[];
    expect(nodes.map((node) => [node.metadata.name, node.status.capacity['amd.com/gpu'], node.spec.taints])).toEqual([
      ['sim-gpu-mi300-1', '4', undefined],
      ['sim-gpu-mi300-2', '4', undefined],
      ['sim-gpu-mi300-3', '4', undefined],
    ]);
  });

  test('derives one taint per key and effect from the tolerations; a toleration without a key names none', () => {
    const platform = withGpuTypes({
      t4: {
        nodeSelector: { gpu: 't4' },
        hourlyPrice: 1,
        resourceName: 'nvidia.com/gpu',
        tolerations: [
          { operator: 'Exists' },
          { key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoExecute' },
          { key: 'dedicated', operator: 'Equal', value: 'other', effect: 'NoExecute' },
          { key: 'gpu', operator: 'Exists' },
          { key: 'spot', operator: 'Equal', effect: 'PreferNoSchedule' },
        ],
      },
    });
    const [node] = ofKind(simulatedClusterObjects(platform, { volumesDir: VOLUMES, gpuNodesPerType: 1, cpuNodes: 0 }), 'Node') as any[];
    expect(node.spec.taints).toEqual([
      { key: 'dedicated', value: 'ml', effect: 'NoExecute' },
      { key: 'gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'spot', effect: 'PreferNoSchedule' },
    ]);
  });

  test('makes the checkpoint storage classes, the single-worker one the default, with volumes to bind to', () => {
    const objects = simulatedClusterObjects(fixturePlatform(), { volumesDir: VOLUMES, volumesPerClass: 2 }) as any[];
    expect(ofKind(objects, 'StorageClass').map((storageClass: any) => [storageClass.metadata.name, storageClass.metadata.annotations, storageClass.volumeBindingMode])).toEqual([
      ['filestore-rwx', undefined, 'Immediate'],
      [DEFAULT_STORAGE_CLASS, { 'storageclass.kubernetes.io/is-default-class': 'true' }, 'Immediate'],
    ]);
    const volumes = ofKind(objects, 'PersistentVolume') as any[];
    expect(volumes.map((volume) => [volume.metadata.name, volume.spec.storageClassName, volume.spec.hostPath.path])).toEqual([
      ['sim-filestore-rwx-1', 'filestore-rwx', `${VOLUMES}/sim-filestore-rwx-1`],
      ['sim-filestore-rwx-2', 'filestore-rwx', `${VOLUMES}/sim-filestore-rwx-2`],
      ['sim-mlp-local-1', 'mlp-local', `${VOLUMES}/sim-mlp-local-1`],
      ['sim-mlp-local-2', 'mlp-local', `${VOLUMES}/sim-mlp-local-2`],
    ]);
    expect(volumes[0].spec).toMatchObject({ capacity: { storage: '1Ti' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain' });
  });

  test("makes the platform's checkpointClass the default class when it names one", () => {
    const platform = withGpuTypes(fixturePlatform().spec.gpuTypes, { checkpointClass: 'fast-ssd', sharedCheckpointClass: 'fast-ssd' });
    const classes = ofKind(simulatedClusterObjects(platform, { volumesDir: VOLUMES }), 'StorageClass') as any[];
    expect(classes.map((storageClass) => [storageClass.metadata.name, storageClass.metadata.annotations])).toEqual([
      ['fast-ssd', { 'storageclass.kubernetes.io/is-default-class': 'true' }],
    ]);
  });
});

describe('optionsFromEnv', () => {
  test('reads the sizes, leaving unset and empty ones to the defaults', () => {
    expect(optionsFromEnv({ MLP_SIM_GPU_NODES: '3', MLP_SIM_GPUS_PER_NODE: '', MLP_SIM_CPU_NODES: '0', MLP_SIM_VOLUME_SIZE: '500Gi' }, VOLUMES)).toEqual({
      gpuNodesPerType: 3,
      cpuNodes: 0,
      volumeSize: '500Gi',
      volumesDir: VOLUMES,
    });
  });

  test('fails when a size is not a whole number', () => {
    expect(() => optionsFromEnv({ MLP_SIM_GPUS_PER_NODE: '8.5' }, VOLUMES)).toThrow(
      'MLP_SIM_GPUS_PER_NODE="8.5": give a whole number from 0 to 1000, or unset it for the default',
    );
  });

  test('fails when the volume size is not a size', () => {
    expect(() => optionsFromEnv({ MLP_SIM_VOLUME_SIZE: '1T' }, VOLUMES)).toThrow(
      'MLP_SIM_VOLUME_SIZE="1T": give a size like 500Gi or 1Ti, or unset it for the default (1Ti)',
    );
  });
});

