/**
 * Queueing of batch work through Kueue: the one source of its label keys,
 * object names, policy values and defaults, and of the ResourceQuota that
 * agrees with a tenant's queue. The constructs {@link TenantQueue} and
 * {@link PlatformQueueing}, the tenant file schema and the cross-checks import
 * them from here.
 *
 * @see https://kueue.sigs.k8s.io/docs/concepts/
 */
import { TIERS, Tier, priorityClassName } from './labels';
import { canaryName } from './canary';
import { ROLLOUT_MAX_SURGE } from './model-service';
import { formatBytesExact, parseMillis } from './quantity';

/** Label of a Job that names the LocalQueue it is submitted to. */
export const QUEUE_NAME_LABEL = 'kueue.x-k8s.io/queue-name';
/** Label of a Job that names its WorkloadPriorityClass. */
export const PRIORITY_CLASS_LABEL = 'kueue.x-k8s.io/priority-class';
/** Name of the LocalQueue in every tenant namespace. */
export const LOCAL_QUEUE_NAME = 'default';
/** Name of the ResourceFlavor of CPU, memory and local disk (no node labels). */
export const DEFAULT_FLAVOR = 'default-flavor';
/** Kueue's API group and version used by the platform. */
export const KUEUE_API_VERSION = 'kueue.x-k8s.io/v1beta2';

/** Name of the WorkloadPriorityClass of a tier: the same as its PriorityClass. */
export function workloadPriorityClassName(tier: Tier): string {
  return priorityClassName(tier);
}

/** How a ClusterQueue orders its pending workloads. */
export const QUEUEING_STRATEGIES = ['BestEffortFIFO', 'StrictFIFO'] as const;
export type QueueingStrategy = (typeof QUEUEING_STRATEGIES)[number];

/** Kueue's `preemption.withinClusterQueue` values. */
export const WITHIN_CLUSTER_QUEUE_POLICIES = ['Never', 'LowerPriority', 'LowerOrNewerEqualPriority'] as const;
/** Kueue's `preemption.reclaimWithinCohort` values. */
export const RECLAIM_WITHIN_COHORT_POLICIES = ['Never', 'LowerPriority', 'Any'] as const;
/** Kueue's `preemption.borrowWithinCohort.policy` values. */
export const BORROW_WITHIN_COHORT_POLICIES = ['Never', 'LowerPriority'] as const;

/**
 * When a tenant's pending workload may preempt admitted ones.
 * @see https://kueue.sigs.k8s.io/docs/concepts/preemption/
 */
export interface QueuePreemption {
  /** Preempt workloads of the same ClusterQueue. */
  readonly withinClusterQueue: (typeof WITHIN_CLUSTER_QUEUE_POLICIES)[number];
  /** Take back lent quota from workloads of other ClusterQueues of the cohort. */
  readonly reclaimWithinCohort: (typeof RECLAIM_WITHIN_COHORT_POLICIES)[number];
  /** Preempt workloads of other ClusterQueues while borrowing (`borrowWithinCohort.policy`). */
  readonly borrowWithinCohort: (typeof BORROW_WITHIN_COHORT_POLICIES)[number];
}

/** Amounts per queued resource: GPUs (per GPU type), CPU cores, memory, local disk. */
export interface QueueAmounts {
  readonly gpu: number;
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
}

/** The queued resources other than GPUs, in the order of the ClusterQueue's first resource group. */
export const QUEUED_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeralStorage'] as const;
export type QueuedContainerResource = (typeof QUEUED_CONTAINER_RESOURCES)[number];
/** Every queued resource of the tenant and platform files. */
export const QUEUED_RESOURCES = ['gpu', ...QUEUED_CONTAINER_RESOURCES] as const;
export type QueuedResource = (typeof QUEUED_RESOURCES)[number];

/** The defaults of the platform file's `queueing` section. */
export const QUEUEING_DEFAULTS = {
  kueue: true,
  cohort: 'ml-platform',
  queueingStrategy: 'BestEffortFIFO' as QueueingStrategy,
  borrowingLimit: { gpu: 0, cpu: '0', memory: '0', ephemeralStorage: '0' } as QueueAmounts,
  fairSharingWeight: 1,
  preemption: {
    critical: { withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: 'LowerPriority' },
    standard: { withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: 'Never' },
    batch: { withinClusterQueue: 'LowerPriority', reclaimWithinCohort: 'Any', borrowWithinCohort: 'Never' },
  } as Readonly<Record<Tier, QueuePreemption>>,
} as const;

/** Sum of CPU amounts, exact, written as cores or millicores (`72`, `12500m`), each rounded up to 1m. */
export function addCpu(...amounts: readonly string[]): string {
  const millicores = amounts.reduce((sum, amount) => sum + parseMillis(amount), 0n);
  return millicores % 1000n === 0n ? String(millicores / 1000n) : `${millicores}m`;
}

/** Sum of byte amounts (memory, local disk), exact, written in the largest binary unit that divides it (`576Gi`). */
export function addBytes(...amounts: readonly string[]): string {
  const millibytes = amounts.reduce((sum, amount) => sum + parseMillis(amount), 0n);
  return formatBytesExact((millibytes + 999n) / 1000n);
}

/** `amount` x `count`, exact, as a quantity in thousandths (`500m` x 3 = `1500m`). */
export function timesAmount(amount: string, count: number): string {
  return `${parseMillis(amount) * BigInt(count)}m`;
}

/** What one model service can run at once: its replicas during a rollout at replicas.max, and their size. */
export interface ServingPeak {
  /** Pods during a rollout at the most replicas: replicas.max + the surge replica. */
  readonly pods: number;
  readonly gpus: number;
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
}

/** One track of a model service at its peak, named: the stable track (the service's name) or its canary. */
export interface ServingTrackPeak extends ServingPeak {
  /** The track's Deployment: the service, or `<service>-canary`. */
  readonly name: string;
  /** Its replicas.max. */
  readonly maxReplicas: number;
  /** The field of the model service entry that sets maxReplicas. */
  readonly maxReplicasField: readonly string[];
}

/**
 * The tracks of a model service as the serving reserve counts them, each at its replicas.max
 * plus the rollout's surge replica: the stable track and, when it has one, the canary. The one
 * formula of a service's peak, which the reserve, the quota checks and the report use.
 */
export function servingTrackPeaks(service: {
  readonly name: string;
  readonly maxReplicas: number;
  readonly gpus: number;
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
  readonly canary?: { readonly maxReplicas: number };
}): ServingTrackPeak[] {
  const size = { gpus: service.gpus, cpu: service.cpu, memory: service.memory, ephemeralStorage: service.ephemeralStorage };
  const peak = (name: string, maxReplicas: number, maxReplicasField: readonly string[]): ServingTrackPeak => ({
    name,
    maxReplicas,
    maxReplicasField,
    pods: maxReplicas + ROLLOUT_MAX_SURGE,
    ...size,
  });
  return [
    peak(service.name, service.maxReplicas, ['replicas', 'max']),
    ...(service.canary ? [peak(canaryName(service.name), service.canary.maxReplicas, ['canary', 'replicas', 'max'])] : []),
  ];
}

/**
 * The serving reserve of a tenant: what all its model services run at their peak at once
 * (each `pods` x its size). The namespace's ResourceQuota holds it beside the queue's
 * numbers, and Kueue never hands it to jobs, since model services are not queued.
 */
export function servingReserve(peaks: readonly ServingPeak[]): QueueAmounts {
  const times = (peak: ServingPeak, amount: string) => timesAmount(amount, peak.pods);
  return {
    gpu: peaks.reduce((sum, peak) => sum + peak.gpus * peak.pods, 0),
    cpu: addCpu('0', ...peaks.map((peak) => times(peak, peak.cpu))),
    memory: addBytes('0', ...peaks.map((peak) => times(peak, peak.memory))),
    ephemeralStorage: addBytes('0', ...peaks.map((peak) => times(peak, peak.ephemeralStorage))),
  };
}

/**
 * The namespace's GPUs with Kueue on, per extended resource name: the guarantee of the GPU
 * flavors with that name + the borrowing limit x the number of those flavors (Kueue's limits
 * are per flavor) + the serving reserve on that name. Every name of `flavors` is listed.
 */
export function queuedNamespaceGpus(
  flavors: ReadonlyArray<{ readonly resourceName: string; readonly guarantee: number }>,
  borrowingLimit: number,
  reserve: Readonly<Record<string, number>>,
): Record<string, number> {
  const gpus: Record<string, number> = {};
  for (const name of [...new Set([...flavors.map((flavor) => flavor.resourceName), ...Object.keys(reserve)])].sort()) {
    const own = flavors.filter((flavor) => flavor.resourceName === name);
    gpus[name] = own.reduce((sum, flavor) => sum + flavor.guarantee, 0) + borrowingLimit * own.length + (reserve[name] ?? 0);
  }
  return gpus;
}

/**
 * The namespace's amounts with Kueue on: the guarantee (the ClusterQueue's nominal quota)
 * plus the borrowing limit plus the serving reserve; GPUs the sum of `gpus`
 * ({@link queuedNamespaceGpus}) over resource names.
 * Kueue does not look at the ResourceQuota, so this is the most the admitted jobs and the
 * model services can create at once: a pod Kueue admits is never refused at creation.
 */
export function queuedNamespaceAmounts(guarantee: QueueAmounts, borrowingLimit: QueueAmounts, gpus: Readonly<Record<string, number>>, reserve: QueueAmounts): QueueAmounts {
  return {
    gpu: Object.values(gpus).reduce((sum, count) => sum + count, 0),
    cpu: addCpu(guarantee.cpu, borrowingLimit.cpu, reserve.cpu),
    memory: addBytes(guarantee.memory, borrowingLimit.memory, reserve.memory),
    ephemeralStorage: addBytes(guarantee.ephemeralStorage, borrowingLimit.ephemeralStorage, reserve.ephemeralStorage),
  };
}

/** True when tier `a` is above tier `b` (critical above standard above batch). */
export function tierAbove(a: Tier, b: Tier): boolean {
  return TIERS.indexOf(a) < TIERS.indexOf(b);
}
