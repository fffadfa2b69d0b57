import { Construct } from 'constructs';
import { GpuPlacement } from './gpu-placement';
import {
  ClusterQueue,
  ClusterQueueSpecPreemptionBorrowWithinCohortPolicy,
  ClusterQueueSpecPreemptionReclaimWithinCohort,
  ClusterQueueSpecPreemptionWithinClusterQueue,
  ClusterQueueSpecQueueingStrategy,
  ClusterQueueSpecResourceGroups,
  ClusterQueueSpecResourceGroupsFlavorsResources,
  ClusterQueueSpecResourceGroupsFlavorsResourcesBorrowingLimit,
  ClusterQueueSpecResourceGroupsFlavorsResourcesLendingLimit,
  ClusterQueueSpecResourceGroupsFlavorsResourcesNominalQuota,
  ClusterQueueSpecFairSharingWeight,
  LocalQueue,
} from './imports/kueue.x-k8s.io';
import { DNS1123_LABEL } from './names';
import { exceeds, isQuantity, parseQuantity } from './quantity';
import {
  DEFAULT_FLAVOR,
  LOCAL_QUEUE_NAME,
  QUEUEING_DEFAULTS,
  QUEUED_CONTAINER_RESOURCES,
  QueueAmounts,
  QueuePreemption,
  QueueingStrategy,
} from './queueing';
import { DEFAULT_GPU_RESOURCE, EPHEMERAL_STORAGE, TenantNamespace } from './tenant-namespace';

/** What a tenant is guaranteed for its queued work: CPU, memory, local disk, and GPUs by GPU type. */
export interface QueueGuarantee {
  /** CPU cores, e.g. `64`. */
  readonly cpu: string;
  /** Memory, e.g. `512Gi`. */
  readonly memory: string;
  /** Local disk (`ephemeral-storage`), e.g. `500Gi`. */
  readonly ephemeralStorage: string;
  /**
   * Guaranteed GPUs by GPU type name; a GPU type left out has none.
   * @default - none
   */
  readonly gpus?: Readonly<Record<string, number>>;
}

/** Limits that leave a field out: no limit of that kind on the resource. */
export type OptionalQueueAmounts = { readonly [Resource in keyof QueueAmounts]?: QueueAmounts[Resource] };

export interface TenantQueueProps {
  /** The tenant whose training jobs the queue admits; the LocalQueue lives in its namespace. */
  readonly tenant: TenantNamespace;
  /** The tenant's guarantee: the ClusterQueue's `nominalQuota`. */
  readonly guarantee: QueueGuarantee;
  /**
   * The platform's GPU types, one ResourceFlavor each (named like the type), in the order of
   * the ClusterQueue's GPU resource group; Kueue tries flavors in this order.
   * @default - none: the queue covers CPU, memory and local disk only
   */
  readonly gpuTypes?: readonly GpuPlacement[];
  /**
   * The cohort in which tenants lend and borrow idle quota (`cohortName`).
   * @default 'ml-platform'
   * @see https://kueue.sigs.k8s.io/docs/concepts/cohort/
   */
  readonly cohort?: string;
  /**
   * Order of pending workloads.
   * @default 'BestEffortFIFO'
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#queueing-strategy
   */
  readonly queueingStrategy?: QueueingStrategy;
  /**
   * How much the tenant may borrow beyond its guarantee, per resource; GPUs per GPU type.
   * @default - 0 of everything
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#borrowinglimit
   */
  readonly borrowingLimit?: QueueAmounts;
  /**
   * How much of its guarantee the tenant may lend, per resource; GPUs per GPU type, capped at
   * the type's guarantee (a larger GPU value is allowed: each flavor gets at most its nominal
   * quota). CPU, memory and local disk at most the guarantee.
   * @default - no limit: all of the idle guarantee may be lent
   * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/#lendinglimit
   */
  readonly lendingLimit?: OptionalQueueAmounts;
  /**
   * The tenant's weight when Kueue's fair sharing divides idle quota: >= 0, at most 3 decimals
   * (fractions are written as quantity strings); 0 leaves the tenant always last.
   * @default 1
   * @see https://kueue.sigs.k8s.io/docs/concepts/fair_sharing/
   */
  readonly fairSharingWeight?: number;
  /**
   * When a pending workload of the tenant may preempt admitted ones.
   * @default - the platform default of the tenant's tier
   * @see https://kueue.sigs.k8s.io/docs/concepts/preemption/
   */
  readonly preemption?: QueuePreemption;
}

/** The resource names of the ClusterQueue's first resource group, by tenant file field. */
const CONTAINER_RESOURCE_NAMES = { cpu: 'cpu', memory: 'memory', ephemeralStorage: EPHEMERAL_STORAGE } as const;

/**
 * The Kueue queue of one tenant: a ClusterQueue named like the tenant that admits only
 * workloads of its namespace, with the tenant's guarantee as nominal quota, its borrowing
 * and lending limits in the platform's cohort and its tier's preemption rules, and the
 * LocalQueue `default` in its namespace, to which its training jobs are submitted.
 *
 * The ResourceFlavors it names (`default-flavor` and one per GPU type) and the
 * WorkloadPriorityClasses come from {@link PlatformQueueing}.
 */
export class TenantQueue extends Construct {
  /** The tenant. */
  public readonly tenant: TenantNamespace;
  /** Name of the ClusterQueue: the tenant name. */
  public readonly clusterQueueName: string;
  /** Name of the LocalQueue in the tenant namespace; the value of jobs' queue-name label. */
  public readonly localQueueName: string = LOCAL_QUEUE_NAME;
  /** The GPU types the queue has a flavor for, in order. */
  public readonly gpuTypes: readonly GpuPlacement[];
  /** The ClusterQueue. */
  public readonly clusterQueue: ClusterQueue;
  /** The LocalQueue. */
  public readonly localQueue: LocalQueue;

  public constructor(scope: Construct, id: string, props: TenantQueueProps) {
    super(scope, id);
    this.tenant = props.tenant;
    this.clusterQueueName = props.tenant.name;
    this.gpuTypes = props.gpuTypes ?? [];
    const cohort = props.cohort ?? QUEUEING_DEFAULTS.cohort;
    const borrowingLimit = props.borrowingLimit ?? QUEUEING_DEFAULTS.borrowingLimit;
    const lendingLimit = props.lendingLimit ?? {};
    const preemption = props.preemption ?? QUEUEING_DEFAULTS.preemption[props.tenant.tier];
    const weight = props.fairSharingWeight ?? QUEUEING_DEFAULTS.fairSharingWeight;
    validateProps(props, this.gpuTypes, cohort, borrowingLimit, lendingLimit, weight);

    const resourceGroups: ClusterQueueSpecResourceGroups[] = [
      {
        coveredResources: QUEUED_CONTAINER_RESOURCES.map((resource) => CONTAINER_RESOURCE_NAMES[resource]),
        flavors: [
          {
            name: DEFAULT_FLAVOR,
            resources: QUEUED_CONTAINER_RESOURCES.map((resource) =>
              quotaOf(CONTAINER_RESOURCE_NAMES[resource], props.guarantee[resource], borrowingLimit[resource], lendingLimit[resource]),
            ),
          },
        ],
      },
    ];
    if (this.gpuTypes.length > 0) {
      // Every flavor of a group lists every covered resource, in the group's order; a GPU type's
      // quota is on its own resource name, and 0 on the others' (types of other vendors).
      const covered = [...new Set(this.gpuTypes.map(resourceNameOf))].sort();
      resourceGroups.push({
        coveredResources: covered,
        flavors: this.gpuTypes.map((type) => {
          const nominal = props.guarantee.gpus?.[type.name] ?? 0;
          return {
            name: type.name,
            resources: covered.map((resource) =>
              resource === resourceNameOf(type)
                ? quotaOf(resource, nominal, borrowingLimit.gpu, lendingLimit.gpu === undefined ? undefined : Math.min(lendingLimit.gpu, nominal))
                : quotaOf(resource, 0, 0, undefined),
            ),
          };
        }),
      });
    }

    this.clusterQueue = new ClusterQueue(this, 'cluster-queue', {
      metadata: { name: this.clusterQueueName, labels: { ...props.tenant.labels } },
      spec: {
        cohortName: cohort,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.tenant.name } },
        queueingStrategy: props.queueingStrategy === 'StrictFIFO' ? ClusterQueueSpecQueueingStrategy.STRICT_FIFO : ClusterQueueSpecQueueingStrategy.BEST_EFFORT_FIFO,
        resourceGroups,
        preemption: {
          withinClusterQueue: preemption.withinClusterQueue as ClusterQueueSpecPreemptionWithinClusterQueue,
          reclaimWithinCohort: preemption.reclaimWithinCohort as ClusterQueueSpecPreemptionReclaimWithinCohort,
          borrowWithinCohort: { policy: preemption.borrowWithinCohort as ClusterQueueSpecPreemptionBorrowWithinCohortPolicy },
        },
        // A quantity (int-or-string in the CRD), written as the API server returns it, so that a
        // refreshed preview sees no change: "2" for a whole number, millis for a fraction ("500m").
        fairSharing: { weight: ClusterQueueSpecFairSharingWeight.fromString(canonicalWeight(weight)) },
      },
    });

    this.localQueue = new LocalQueue(this, 'local-queue', {
      metadata: props.tenant.objectMetadata(this.localQueueName),
      spec: { clusterQueue: this.clusterQueueName },
    });
    props.tenant.claimName(this.localQueue, 'TenantQueue');
  }
}

/** A fair-sharing weight (at most 3 decimals) in the API server's canonical quantity form. */
function canonicalWeight(weight: number): string {
  return Number.isInteger(weight) ? String(weight) : `${Math.round(weight * 1000)}m`;
}

function resourceNameOf(type: GpuPlacement): string {
  return type.resourceName ?? DEFAULT_GPU_RESOURCE;
}

/**
 * One resource of a flavor: its nominal quota, borrowing limit and, when set, lending limit.
 * Numbers (GPUs, validated whole) are written as strings, the form in which the API server
 * stores and returns quantities: a manifest's `8` reads back as `"8"`, which `pulumi preview
 * --refresh` would show as a change of every ClusterQueue.
 */
function quotaOf(name: string, nominal: string | number, borrowing: string | number, lending: string | number | undefined): ClusterQueueSpecResourceGroupsFlavorsResources {
  const amount = <T>(from: { fromString(value: string): T }, value: string | number) => from.fromString(String(value));
  return {
    name,
    nominalQuota: amount(ClusterQueueSpecResourceGroupsFlavorsResourcesNominalQuota, nominal),
    borrowingLimit: amount(ClusterQueueSpecResourceGroupsFlavorsResourcesBorrowingLimit, borrowing),
    ...(lending !== undefined && { lendingLimit: amount(ClusterQueueSpecResourceGroupsFlavorsResourcesLendingLimit, lending) }),
  };
}

function validateProps(
  props: TenantQueueProps,
  gpuTypes: readonly GpuPlacement[],
  cohort: string,
  borrowingLimit: QueueAmounts,
  lendingLimit: OptionalQueueAmounts,
  weight: number,
): void {
  const where = `TenantQueue ${props.tenant.name}`;
  if (!DNS1123_LABEL.test(cohort) || cohort.length > 63) {
    throw new Error(`${where}: cohort "${cohort}" is not a DNS-1123 label; use lowercase letters, digits and '-', e.g. ml-platform`);
  }
  const names = gpuTypes.map((type) => type.name);
  names.forEach((name, index) => {
    if (name === DEFAULT_FLAVOR) {
      throw new Error(`${where}: gpuTypes[${index}] is named "${DEFAULT_FLAVOR}", the ResourceFlavor of CPU and memory; rename the GPU type`);
    }
    if (names.indexOf(name) !== index) throw new Error(`${where}: gpuTypes[${index}]: GPU type "${name}" is listed twice; list each type once`);
  });
  for (const [type, count] of Object.entries(props.guarantee.gpus ?? {})) {
    if (!names.includes(type)) {
      throw new Error(`${where}: guarantee.gpus names GPU type "${type}", which is not in gpuTypes (${names.join(', ') || 'none'}); use one of those`);
    }
    if (!Number.isInteger(count) || count < 0) throw new Error(`${where}: guarantee.gpus.${type} must be a whole number >= 0, got ${count}`);
  }
  if (!(weight >= 0) || Math.abs(weight * 1000 - Math.round(weight * 1000)) > 1e-6) {
    throw new Error(`${where}: fairSharingWeight must be a number >= 0 with at most 3 decimals, got ${weight}`);
  }
  for (const [field, value] of [['borrowingLimit.gpu', borrowingLimit.gpu], ['lendingLimit.gpu', lendingLimit.gpu]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new Error(`${where}: ${field} must be a whole number >= 0, got ${value}`);
  }
  for (const resource of QUEUED_CONTAINER_RESOURCES) {
    for (const [field, value] of [
      [`guarantee.${resource}`, props.guarantee[resource]],
      [`borrowingLimit.${resource}`, borrowingLimit[resource]],
      [`lendingLimit.${resource}`, lendingLimit[resource]],
    ] as const) {
      if (value !== undefined && !isQuantity(value)) throw new Error(`${where}: ${field} "${value}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
    }
    const lending = lendingLimit[resource];
    if (lending !== undefined && exceeds(parseQuantity(lending), parseQuantity(props.guarantee[resource]))) {
      throw new Error(`${where}: lendingLimit.${resource} ${lending} exceeds the guarantee of ${props.guarantee[resource]}; a tenant lends only what it is guaranteed: lower it`);
    }
  }
}
