/**
 * The capacity and cost report of the platform: per tenant its quota, what
 * its jobs and services request, and the monthly cost it commits (its quota,
 * or with Kueue its guarantee and serving reserve, with what it may borrow
 * and lend beside them); totals; and the GPUs the workloads hold by GPU type.
 */
import {
  CanaryRelease,
  CostBreakdown,
  HOURS_PER_MONTH,
  NO_RESOURCES,
  QueueCommitment,
  ResourceAmounts,
  WorkloadDemand,
  addResources,
  canaryReleases,
  committedMonthlyCost,
  gpuQuotaPrice,
  queueCommitment,
  roundCents,
  workloadDemand,
} from './cost';
import { PlatformConfig } from '../config/load';
import { GIB, parseQuantity } from '../lib/quantity';

/** A quota in numbers: cores, GiB, GPUs, pods. */
export interface QuotaAmounts {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly storageGiB: number;
  readonly pods: number;
  /** Local disk (ephemeral-storage) of all containers, in GiB. */
  readonly ephemeralStorageGiB: number;
}

export interface TenantReport {
  readonly name: string;
  readonly file: string;
  readonly tier: string;
  readonly costCenter: string;
  readonly quota: QuotaAmounts;
  readonly requested: WorkloadDemand;
  /** With Kueue: the guarantee, serving reserve, what it commits, may borrow and may lend; absent without Kueue. */
  readonly queueing?: QueueCommitment;
  /** What the tenant commits per month, by resource: its quota, or with Kueue its guarantee and serving reserve. */
  readonly monthlyCost: CostBreakdown;
  /** Its model services with a canary: each track's replicas and monthly cost at its peak, by service. */
  readonly canaryReleases: readonly CanaryRelease[];
}

/** The queue numbers of every tenant added up (the fair-sharing weight left out). */
export type QueueTotals = Omit<QueueCommitment, 'fairSharingWeight'>;

/** GPUs of one type that workloads request. */
export interface GpuTypeCommitment {
  readonly type: string;
  readonly hourlyPrice: number;
  readonly jobs: number;
  readonly servicesAtMin: number;
  readonly servicesAtMax: number;
  /** The surge replica of each service's rollout. */
  readonly rolloutSurge: number;
  /** Jobs, services at their maximum and their rollout surge replicas. */
  readonly peak: number;
  /** With Kueue: the GPUs of the type that tenants' queues guarantee (their ClusterQueues' nominal quota); absent without Kueue. */
  readonly guaranteed?: number;
  /** The peak for a whole month at the type's price. */
  readonly monthlyCostAtPeak: number;
}

export interface PlatformReport {
  /** The platform file the prices come from. */
  readonly platformFile: string;
  readonly currency: string;
  readonly hoursPerMonth: number;
  /** The GPU type and price a GPU quota is charged at without Kueue. */
  readonly gpuQuotaPrice: { readonly type: string; readonly hourlyPrice: number };
  /** Whether batch work queues through Kueue (the platform file's queueing.kueue), and in which cohort. */
  readonly queueing: { readonly kueue: boolean; readonly cohort?: string };
  /** Tenants by name. */
  readonly tenants: readonly TenantReport[];
  readonly totals: {
    readonly quota: QuotaAmounts;
    readonly requested: WorkloadDemand;
    /** With Kueue: every tenant's queue numbers added up. */
    readonly queueing?: QueueTotals;
    readonly monthlyCost: CostBreakdown;
  };
  /** Every GPU type of the platform file, by name, with what workloads request of it. */
  readonly gpuTypes: readonly GpuTypeCommitment[];
}

function round(value: number): number {
  return Number(value.toFixed(4));
}

function roundAmounts(amounts: ResourceAmounts): ResourceAmounts {
  return {
    cpu: round(amounts.cpu),
    memoryGiB: round(amounts.memoryGiB),
    gpus: amounts.gpus,
    gpusByType: amounts.gpusByType,
    ephemeralStorageGiB: round(amounts.ephemeralStorageGiB),
  };
}

function roundQueue<Queue extends QueueTotals>(queue: Queue): Queue {
  return {
    ...queue,
    guarantee: roundAmounts(queue.guarantee),
    servingReserve: roundAmounts(queue.servingReserve),
    committed: roundAmounts(queue.committed),
    borrowable: roundAmounts(queue.borrowable),
    lendable: roundAmounts(queue.lendable),
    resourceQuota: roundAmounts(queue.resourceQuota),
  };
}

function roundDemand(demand: WorkloadDemand): WorkloadDemand {
  return {
    jobs: roundAmounts(demand.jobs),
    servicesAtMin: roundAmounts(demand.servicesAtMin),
    servicesAtMax: roundAmounts(demand.servicesAtMax),
    rolloutSurge: roundAmounts(demand.rolloutSurge),
    peak: roundAmounts(demand.peak),
    checkpointStorageGiB: round(demand.checkpointStorageGiB),
  };
}

/** Builds the report of a loaded configuration. */
export function platformReport(config: PlatformConfig): PlatformReport {
  const platform = config.platform;
  const tenants = config.tenants.map((tenant): TenantReport => {
    const queue = queueCommitment(platform, tenant);
    return {
      name: tenant.name,
      file: tenant.file,
      tier: tenant.tier,
      costCenter: tenant.costCenter,
      quota: {
        cpu: round(parseQuantity(tenant.quota.cpu)),
        memoryGiB: round(parseQuantity(tenant.quota.memory) / GIB),
        gpus: tenant.quota.gpu,
        storageGiB: round(parseQuantity(tenant.quota.storage) / GIB),
        pods: tenant.quota.pods,
        ephemeralStorageGiB: round(parseQuantity(tenant.quota.ephemeralStorage) / GIB),
      },
      requested: roundDemand(workloadDemand(tenant)),
      ...(queue && { queueing: roundQueue(queue) }),
      monthlyCost: committedMonthlyCost(platform, tenant),
      canaryReleases: canaryReleases(platform, tenant),
    };
  });
  const kueue = platform.spec.queueing.kueue;

  const sum = (pick: (tenant: TenantReport) => number) => round(tenants.reduce((total, tenant) => total + pick(tenant), 0));
  const sumAmounts = (pick: (demand: WorkloadDemand) => ResourceAmounts) => roundAmounts(tenants.reduce((total, tenant) => addResources(total, pick(tenant.requested)), NO_RESOURCES));
  const sumCost = (pick: (cost: CostBreakdown) => number) => roundCents(tenants.reduce((total, tenant) => total + pick(tenant.monthlyCost), 0));
  const requested: WorkloadDemand = {
    jobs: sumAmounts((demand) => demand.jobs),
    servicesAtMin: sumAmounts((demand) => demand.servicesAtMin),
    servicesAtMax: sumAmounts((demand) => demand.servicesAtMax),
    rolloutSurge: sumAmounts((demand) => demand.rolloutSurge),
    peak: sumAmounts((demand) => demand.peak),
    checkpointStorageGiB: sum((tenant) => tenant.requested.checkpointStorageGiB),
  };
  const sumQueues = (pick: (queue: QueueCommitment) => ResourceAmounts) =>
    roundAmounts(tenants.reduce((total, tenant) => (tenant.queueing ? addResources(total, pick(tenant.queueing)) : total), NO_RESOURCES));
  const queueing: QueueTotals | undefined = kueue
    ? {
        guarantee: sumQueues((queue) => queue.guarantee),
        servingReserve: sumQueues((queue) => queue.servingReserve),
        committed: sumQueues((queue) => queue.committed),
        borrowable: sumQueues((queue) => queue.borrowable),
        lendable: sumQueues((queue) => queue.lendable),
        resourceQuota: sumQueues((queue) => queue.resourceQuota),
      }
    : undefined;

  const gpuTypes = Object.keys(platform.spec.gpuTypes)
    .sort()
    .map((type): GpuTypeCommitment => {
      const hourlyPrice = platform.spec.gpuTypes[type].hourlyPrice;
      const peak = requested.peak.gpusByType[type] ?? 0;
      return {
        type,
        hourlyPrice,
        jobs: requested.jobs.gpusByType[type] ?? 0,
        servicesAtMin: requested.servicesAtMin.gpusByType[type] ?? 0,
        servicesAtMax: requested.servicesAtMax.gpusByType[type] ?? 0,
        rolloutSurge: requested.rolloutSurge.gpusByType[type] ?? 0,
        peak,
        monthlyCostAtPeak: roundCents(peak * hourlyPrice * HOURS_PER_MONTH),
        ...(queueing && { guaranteed: queueing.guarantee.gpusByType[type] ?? 0 }),
      };
    });

  return {
    platformFile: config.file,
    currency: platform.spec.pricing.currency,
    hoursPerMonth: HOURS_PER_MONTH,
    gpuQuotaPrice: gpuQuotaPrice(platform),
    queueing: { kueue, ...(kueue && { cohort: platform.spec.queueing.cohort }) },
    tenants,
    totals: {
      quota: {
        cpu: sum((tenant) => tenant.quota.cpu),
        memoryGiB: sum((tenant) => tenant.quota.memoryGiB),
        gpus: sum((tenant) => tenant.quota.gpus),
        storageGiB: sum((tenant) => tenant.quota.storageGiB),
        pods: sum((tenant) => tenant.quota.pods),
        ephemeralStorageGiB: sum((tenant) => tenant.quota.ephemeralStorageGiB),
      },
      requested,
      ...(queueing && { queueing }),
      monthlyCost: {
        cpu: sumCost((cost) => cost.cpu),
        memory: sumCost((cost) => cost.memory),
        gpu: sumCost((cost) => cost.gpu),
        storage: sumCost((cost) => cost.storage),
        total: sumCost((cost) => cost.total),
      },
    },
    gpuTypes,
  };
}
