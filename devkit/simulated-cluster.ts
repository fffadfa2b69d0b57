/**
 * The simulated part of the local cluster (scripts/control-plane.sh): Nodes
 * derived from the platform file, which kwok keeps Ready and whose pods it
 * runs, and the storage that checkpoint claims bind to.
 *
 * Run as a program (`node build/devkit/simulated-cluster.js PLATFORM_FILE`),
 * it reads the platform file with the project's own loader and prints the
 * objects as one JSON `List` for `kubectl create -f -`. Sizes come from the
 * environment (see {@link optionsFromEnv}).
 */
import * as path from 'path';
import { loadPlatform } from '../config/load';
import { Problem, formatProblem } from '../config/problems';
import { PlatformFile } from '../config/schema/platform';

/** How many simulated nodes and volumes to make, and where the volumes' host paths point. */
export interface SimulatedClusterOptions {
  /** Nodes per GPU type. @default 2 (MLP_SIM_GPU_NODES) */
  readonly gpuNodesPerType?: number;
  /** GPUs on each GPU node. @default 8 (MLP_SIM_GPUS_PER_NODE) */
  readonly gpusPerNode?: number;
  /** Nodes without GPUs. @default 2 (MLP_SIM_CPU_NODES) */
  readonly cpuNodes?: number;
  /** PersistentVolumes per StorageClass. @default 8 (MLP_SIM_VOLUMES_PER_CLASS) */
  readonly volumesPerClass?: number;
  /** Capacity of each PersistentVolume. @default 1Ti (MLP_SIM_VOLUME_SIZE) */
  readonly volumeSize?: string;
  /** Folder below which the volumes' hostPaths point (nothing mounts them: kwok runs no container). */
  readonly volumesDir: string;
}

/** Marks every object this module makes. */
export const SIMULATED_LABEL = 'mlp.io/simulated';
/** The GPU type a simulated node has (absent on CPU nodes). */
export const GPU_TYPE_LABEL = 'mlp.io/gpu-type';
/** kwok manages the nodes with this annotation (control-plane.sh passes it as --manage-nodes-with-annotation-selector). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/** StorageClass of claims that name none, when the platform sets no checkpointClass. */
export const DEFAULT_STORAGE_CLASS = 'mlp-local';

/** Capacity of one simulated GPU node (an 8-GPU server) and one CPU node, besides the GPUs. */
const GPU_NODE_CAPACITY = { cpu: '96', memory: '1024Gi', 'ephemeral-storage': '2Ti', pods: '110' } as const;
const CPU_NODE_CAPACITY = { cpu: '32', memory: '128Gi', 'ephemeral-storage': '500Gi', pods: '110' } as const;

/** Taint value for a toleration with operator Exists, which tolerates any value. */
const EXISTS_TAINT_VALUE = 'present';

/** An object to create, as kubectl takes it. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/**
 * The Nodes, StorageClasses and PersistentVolumes of the simulated cluster:
 * for every GPU type, nodes with its nodeSelector labels, taints its
 * tolerations match and capacity of its resourceName; CPU-only nodes without
 * taints; the platform's checkpoint StorageClasses (no provisioner, immediate
 * binding) with PersistentVolumes for them.
 */
export function simulatedClusterObjects(platform: PlatformFile, options: SimulatedClusterOptions): KubeObject[] {
  const gpuNodesPerType = options.gpuNodesPerType ?? 2;
  const gpusPerNode = options.gpusPerNode ?? 8;
  const cpuNodes = options.cpuNodes ?? 2;
  const objects: KubeObject[] = [];
  for (const [gpuType, spec] of Object.entries(platform.spec.gpuTypes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let index = 1; index <= gpuNodesPerType; index++) {
      objects.push(
        node(`sim-gpu-${gpuType}-${index}`, { ...spec.nodeSelector, [GPU_TYPE_LABEL]: gpuType }, taintsFor(spec.tolerations), {
          ...GPU_NODE_CAPACITY,
          [spec.resourceName]: String(gpusPerNode),
        }),
      );
    }
  }
  for (let index = 1; index <= cpuNodes; index++) objects.push(node(`sim-cpu-${index}`, {}, [], CPU_NODE_CAPACITY));
  objects.push(...storageObjects(platform, options));
  return objects;
}

/**
 * The taints that a GPU type's tolerations tolerate: one per toleration with
 * a key (one without a key tolerates every taint, so it names none), the
 * effect it names or NoSchedule, and the value it names (any for Exists).
 * Kubernetes allows one taint per key and effect: the first toleration wins.
 */
function taintsFor(tolerations: PlatformFile['spec']['gpuTypes'][string]['tolerations']): Taint[] {
  const taints = new Map<string, Taint>();
  for (const toleration of tolerations) {
    if (toleration.key === undefined || toleration.key === '') continue;
    const effect = toleration.effect ?? 'NoSchedule';
    const value = toleration.operator === 'Exists' ? EXISTS_TAINT_VALUE : toleration.value;
    const id = `${toleration.key}:${effect}`;
    if (!taints.has(id)) taints.set(id, { key: toleration.key, ...(value !== undefined && value !== '' && { value }), effect });
  }
  return [...taints.values()];
}

function node(name: string, labels: Record<string, string>, taints: readonly Taint[], capacity: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake' },
      labels: {
        ...labels,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        [SIMULATED_LABEL]: 'true',
      },
    },
    spec: taints.length > 0 ? { taints } : {},
    // Kept on create (a kubelet registers its node the same way); kwok fills in the conditions.
    status: { capacity, allocatable: capacity },
  };
}

/**
 * The checkpoint StorageClasses of the platform (checkpointClass,
 * sharedCheckpointClass), or DEFAULT_STORAGE_CLASS where it sets none, with
 * `volumesPerClass` PersistentVolumes each. No provisioner runs, so the
 * persistent-volume controller binds claims to these; reclaim policy Retain,
 * since nothing could delete a volume's data.
 */
function storageObjects(platform: PlatformFile, options: SimulatedClusterOptions): KubeObject[] {
  const { checkpointClass, sharedCheckpointClass } = platform.spec.storage ?? {};
  const defaultClass = checkpointClass ?? DEFAULT_STORAGE_CLASS;
  const classes = [...new Set([defaultClass, sharedCheckpointClass ?? DEFAULT_STORAGE_CLASS])].sort();
  const volumesPerClass = options.volumesPerClass ?? 8;
  const objects: KubeObject[] = [];
  for (const name of classes) {
    objects.push({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name,
        labels: { [SIMULATED_LABEL]: 'true' },
        ...(name === defaultClass && { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
      },
      provisioner: 'kubernetes.io/no-provisioner',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
    });
    for (let index = 1; index <= volumesPerClass; index++) {
      const volume = `sim-${name}-${index}`;
      objects.push({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volume, labels: { [SIMULATED_LABEL]: 'true' } },
        spec: {
          storageClassName: name,
          capacity: { storage: options.volumeSize ?? '1Ti' },
          accessModes: ['ReadWriteOnce', 'ReadWriteMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: path.join(options.volumesDir, volume) },
        },
      });
    }
  }
  return objects;
}

/** The environment variables of the sizes, with what each sets. */
const SIZE_VARIABLES = {
  MLP_SIM_GPU_NODES: 'gpuNodesPerType',
  MLP_SIM_GPUS_PER_NODE: 'gpusPerNode',
  MLP_SIM_CPU_NODES: 'cpuNodes',
  MLP_SIM_VOLUMES_PER_CLASS: 'volumesPerClass',
} as const;

/** The largest value of a size variable: far more than kwok and a laptop handle, a guard against typos. */
const MAX_SIZE = 1000;

/**
 * Options from MLP_SIM_GPU_NODES, MLP_SIM_GPUS_PER_NODE, MLP_SIM_CPU_NODES,
 * MLP_SIM_VOLUMES_PER_CLASS (whole numbers) and MLP_SIM_VOLUME_SIZE.
 *
 * @throws Error naming the variable, its value and what is allowed.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv, volumesDir: string): SimulatedClusterOptions {
  const options: Record<string, number> = {};
  for (const [variable, option] of Object.entries(SIZE_VARIABLES)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    if (!/^\d+$/.test(text) || Number(text) > MAX_SIZE) {
      throw new Error(`${variable}=${JSON.stringify(text)}: give a whole number from 0 to ${MAX_SIZE}, or unset it for the default`);
    }
    options[option] = Number(text);
  }
  const volumeSize = env.MLP_SIM_VOLUME_SIZE;
  if (volumeSize !== undefined && volumeSize !== '' && !/^\d+(Ki|Mi|Gi|Ti|Pi)$/.test(volumeSize)) {
    throw new Error(`MLP_SIM_VOLUME_SIZE=${JSON.stringify(volumeSize)}: give a size like 500Gi or 1Ti, or unset it for the default (1Ti)`);
  }
  return { ...options, ...(volumeSize && { volumeSize }), volumesDir };
}

/** `node simulated-cluster.js PLATFORM_FILE VOLUMES_DIR`: prints the objects as a JSON List. */
function main(args: readonly string[]): number {
  if (args.length !== 2) {
    process.stderr.write('usage: simulated-cluster.js PLATFORM_FILE VOLUMES_DIR\n');
    return 2;
  }
  const [platformFile, volumesDir] = args;
  const problems: Problem[] = [];
  const platform = loadPlatform(platformFile, platformFile, problems);
  if (!platform) {
    process.stderr.write(`${problems.map(formatProblem).join('\n')}\n`);
    return 1;
  }
  let options: SimulatedClusterOptions;
  try {
    options = optionsFromEnv(process.env, volumesDir);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: simulatedClusterObjects(platform, options) }, null, 2)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
