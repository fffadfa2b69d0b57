/**
 * Prices from the platform file: the monthly cost a tenant's quota commits
 * the platform to, and the resources its jobs and services request.
 *
 * Without Kueue (the platform file's `queueing.kueue: false`), the committed
 * cost of a quota, per month of {@link HOURS_PER_MONTH} hours:
 *
 *     cpu cores  × pricing.cpuCoreHour   × 730
 *   + memory GiB × pricing.memoryGiBHour × 730
 *   + GPUs       × hourlyPrice of the platform's defaultGpuType × 730
 *   + storage GiB × pricing.storageGiBMonth
 *
 * The GPU quota (`requests.nvidia.com/gpu`) is one number for every GPU
 * type, so it is priced at the default GPU type: a tenant's commitment then
 * changes only when its quota does, not when a workload switches types.
 * What workloads request is priced at each workload's own GPU type.
 *
 * With Kueue, the quota's cpu, memory and GPUs are the guarantee of batch
 * work (the ClusterQueue's nominal quota, GPUs split by type), and the model
 * services hold a serving reserve beside it that the queue never hands to
 * jobs. Both are committed: CPU and memory of both by the hour, GPUs at each
 * type's own price (the guarantee's split, the services' types), storage by
 * the month. What the tenant may borrow beyond its guarantee is idle quota of
 * others, shown beside the commitment and not priced as committed.
 */
import { GIB, parseQuantity } from '../lib/quantity';
import { PlatformFile } from '../config/schema/platform';
import { TenantConfig } from '../config/tenant-config';
import { TenantQuota } from '../lib/tenant-namespace';
import { ROLLOUT_MAX_SURGE } from '../lib/model-service';
import { servingTrackPeaks } from '../lib/queueing';
import { ModelServiceConfig } from '../config/tenant-config';

/** Hours in a month for prices quoted per hour: 365 × 24 / 12. */
export const HOURS_PER_MONTH = 730;

/** A monthly cost by resource. */
export interface CostBreakdown {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  readonly storage: number;
  readonly total: number;
}

/**
 * Rounds an amount of money to cents, half a cent up. The amount in cents is
 * first cut to 15 significant digits, the precision a double holds exactly, so
 * that an exact half cent that binary floating point holds a hair below it
 * (173 × 0.0045 × 730 = 568.305, computed as 568.30499999999995) rounds up.
 */
export function roundCents(amount: number): number {
  return Math.round(Number((amount * 100).toPrecision(15))) / 100;
}

/** The GPU type whose price a GPU quota is charged at: the platform's default. */
export function gpuQuotaPrice(platform: PlatformFile): { readonly type: string; readonly hourlyPrice: number } {
  const type = platform.spec.defaultGpuType;
  return { type, hourlyPrice: platform.spec.gpuTypes[type]?.hourlyPrice ?? 0 };
}

/** The monthly cost a quota commits the platform to, rounded to cents. */
export function quotaMonthlyCost(platform: PlatformFile, quota: TenantQuota): CostBreakdown {
  const pricing = platform.spec.pricing;
  const cpu = parseQuantity(quota.cpu) * pricing.cpuCoreHour * HOURS_PER_MONTH;
  const memory = (parseQuantity(quota.memory) / GIB) * pricing.memoryGiBHour * HOURS_PER_MONTH;
  const gpu = quota.gpu * gpuQuotaPrice(platform).hourlyPrice * HOURS_PER_MONTH;
  const storage = (parseQuantity(quota.storage) / GIB) * pricing.storageGiBMonth;
  return { cpu: roundCents(cpu), memory: roundCents(memory), gpu: roundCents(gpu), storage: roundCents(storage), total: roundCents(cpu + memory + gpu + storage) };
}

/** The quota's cost with the GPUs priced by type (`gpusByType`), the other resources as {@link quotaMonthlyCost}. */
function amountsMonthlyCost(platform: PlatformFile, amounts: { readonly cpu: number; readonly memoryGiB: number; readonly gpusByType: Readonly<Record<string, number>> }, storageGiB: number): CostBreakdown {
  const pricing = platform.spec.pricing;
  const cpu = amounts.cpu * pricing.cpuCoreHour * HOURS_PER_MONTH;
  const memory = amounts.memoryGiB * pricing.memoryGiBHour * HOURS_PER_MONTH;
  const gpu = Object.entries(amounts.gpusByType).reduce((sum, [type, count]) => sum + count * (platform.spec.gpuTypes[type]?.hourlyPrice ?? 0) * HOURS_PER_MONTH, 0);
  const storage = storageGiB * pricing.storageGiBMonth;
  return { cpu: roundCents(cpu), memory: roundCents(memory), gpu: roundCents(gpu), storage: roundCents(storage), total: roundCents(cpu + memory + gpu + storage) };
}

/** Resources requested at once. */
export interface ResourceAmounts {
  /** CPU cores. */
  readonly cpu: number;
  /** Memory in GiB. */
  readonly memoryGiB: number;
  /** GPUs of every type. */
  readonly gpus: number;
  /** GPUs by GPU type name; types with none are absent. */
  readonly gpusByType: Readonly<Record<string, number>>;
  /** Local disk (ephemeral-storage) in GiB. */
  readonly ephemeralStorageGiB: number;
}

/** Nothing requested. */
export const NO_RESOURCES: ResourceAmounts = { cpu: 0, memoryGiB: 0, gpus: 0, gpusByType: {}, ephemeralStorageGiB: 0 };

/** The sum of two amounts. */
export function addResources(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const gpusByType: Record<string, number> = { ...a.gpusByType };
  for (const [type, count] of Object.entries(b.gpusByType)) gpusByType[type] = (gpusByType[type] ?? 0) + count;
  return {
    cpu: a.cpu + b.cpu,
    memoryGiB: a.memoryGiB + b.memoryGiB,
    gpus: a.gpus + b.gpus,
    gpusByType,
    ephemeralStorageGiB: a.ephemeralStorageGiB + b.ephemeralStorageGiB,
  };
}

/** What one pod of a job or service asks for. */
interface PodSize {
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
  readonly gpus: number;
  readonly gpuType?: { readonly name: string };
}

function podAmounts(count: number, pod: PodSize): ResourceAmounts {
  const totalGpus = count * pod.gpus;
  return {
    cpu: count * parseQuantity(pod.cpu),
    memoryGiB: (count * parseQuantity(pod.memory)) / GIB,
    gpus: totalGpus,
    gpusByType: totalGpus > 0 ? { [pod.gpuType?.name ?? 'unknown']: totalGpus } : {},
    ephemeralStorageGiB: (count * parseQuantity(pod.ephemeralStorage)) / GIB,
  };
}

/** What a tenant's workloads request, as the quota cross-checks count it. */
export interface WorkloadDemand {
  /** Every training job with all its workers (workers × per-worker). */
  readonly jobs: ResourceAmounts;
  /** Every model service at its minimum replicas, its canary's included. */
  readonly servicesAtMin: ResourceAmounts;
  /** Every model service at its maximum replicas, its canary's included. */
  readonly servicesAtMax: ResourceAmounts;
  /** The surge replica each model service (and each canary) adds while it rolls out a new version (the quota checks count it too). */
  readonly rolloutSurge: ResourceAmounts;
  /** Jobs, services at their maximum and their rollout surge together: the most the tenant's workloads hold at once. */
  readonly peak: ResourceAmounts;
  /** Checkpoint volumes, in GiB. */
  readonly checkpointStorageGiB: number;
}

/** The resources a tenant's jobs and services request. */
export function workloadDemand(tenant: TenantConfig): WorkloadDemand {
  let jobs = NO_RESOURCES;
  let checkpointStorageGiB = 0;
  for (const job of tenant.trainingJobs) {
    jobs = addResources(jobs, podAmounts(job.workers, job));
    if (job.checkpoint) checkpointStorageGiB += parseQuantity(job.checkpoint.size) / GIB;
  }
  let servicesAtMin = NO_RESOURCES;
  let servicesAtMax = NO_RESOURCES;
  let rolloutSurge = NO_RESOURCES;
  for (const service of tenant.modelServices) {
    for (const track of [service, ...(service.canary ? [service.canary] : [])]) {
      servicesAtMin = addResources(servicesAtMin, podAmounts(track.minReplicas, service));
      servicesAtMax = addResources(servicesAtMax, podAmounts(track.maxReplicas, service));
      rolloutSurge = addResources(rolloutSurge, podAmounts(ROLLOUT_MAX_SURGE, service));
    }
  }
  return { jobs, servicesAtMin, servicesAtMax, rolloutSurge, peak: addResources(addResources(jobs, servicesAtMax), rolloutSurge), checkpointStorageGiB };
}

/** One track of a model service with a canary: its replicas and what it costs a month at its peak. */
export interface ServingTrackCost {
  /** The track's Deployment: the service, or `<service>-canary`. */
  readonly name: string;
  readonly image: string;
  /**
   * Percent of the route's requests: the canary's weight, and the rest for the stable track;
   * absent when the service has no route (its split follows the replica ratio).
   */
  readonly weight?: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Pods at its peak: replicas.max plus the surge replica of a rollout (what the serving reserve holds). */
  readonly peakPods: number;
  /** CPU, memory and GPUs of its peak pods for a month ({@link HOURS_PER_MONTH} hours) at the platform file's prices, GPUs at the service's type. */
  readonly monthlyCostAtPeak: number;
}

/**
 * How requests reach the tracks: `route-weight`, the service's HTTPRoute splits them by weight
 * (a public service, exposure mode gateway); `replica-ratio`, callers of the Service that spans
 * both tracks reach every ready pod, so the split follows the ratio of ready replicas.
 */
export type CanarySplit = 'route-weight' | 'replica-ratio';

/** A model service with a canary: its stable track and its canary, side by side. */
export interface CanaryRelease {
  readonly service: string;
  readonly split: CanarySplit;
  readonly stable: ServingTrackCost;
  readonly canary: ServingTrackCost;
}

/** The model services of a tenant that have a canary, each track with its replicas and its monthly cost at its peak. */
export function canaryReleases(platform: PlatformFile, tenant: TenantConfig): CanaryRelease[] {
  return tenant.modelServices.flatMap((service): CanaryRelease[] => {
    const canary = service.canary;
    if (canary === undefined) return [];
    const [stablePeak, canaryPeak] = servingTrackPeaks(service);
    const split: CanarySplit = service.ingress !== undefined && platform.spec.exposure.mode === 'gateway' ? 'route-weight' : 'replica-ratio';
    const track = (name: string, image: string, weight: number, minReplicas: number, maxReplicas: number, peakPods: number): ServingTrackCost => ({
      name,
      image,
      ...(split === 'route-weight' && { weight }),
      minReplicas,
      maxReplicas,
      peakPods,
      monthlyCostAtPeak: amountsMonthlyCost(platform, podAmounts(peakPods, servicePodSize(platform, service)), 0).total,
    });
    return [
      {
        service: service.name,
        split,
        stable: track(stablePeak.name, service.image, 100 - canary.weight, service.minReplicas, service.maxReplicas, stablePeak.pods),
        canary: track(canaryPeak.name, canary.image, canary.weight, canary.minReplicas, canary.maxReplicas, canaryPeak.pods),
      },
    ];
  });
}

/** A service's pod size, its GPUs at its type or else the platform's default type. */
function servicePodSize(platform: PlatformFile, service: ModelServiceConfig): PodSize {
  return { ...service, gpuType: { name: service.gpuType?.name ?? platform.spec.defaultGpuType } };
}

/** What a tenant's queue guarantees, reserves, lets it borrow and lend, with Kueue on. */
export interface QueueCommitment {
  /** The guarantee of batch work: the quota's cpu, memory, GPUs (by type: the ClusterQueue's nominal quota) and local disk. */
  readonly guarantee: ResourceAmounts;
  /** The serving reserve: every model service at its maximum replicas plus its rollout surge replica, beside the queue. */
  readonly servingReserve: ResourceAmounts;
  /** Guarantee and serving reserve: what the tenant's cost commits. */
  readonly committed: ResourceAmounts;
  /** The most it may borrow beyond its guarantee from idle quota of the cohort (GPUs: the per-type limit on every GPU type); not committed. */
  readonly borrowable: ResourceAmounts;
  /** The most of its guarantee others may borrow while it is idle (GPUs: per type, at most that type's guarantee). */
  readonly lendable: ResourceAmounts;
  /**
   * The namespace's ResourceQuota of these resources, which Kueue does not read: guarantee + borrowing
   * limit (GPUs: x the GPU types) + serving reserve, so that no pod Kueue admits is refused (GPUs by
   * type: committed and borrowable together).
   */
  readonly resourceQuota: ResourceAmounts;
  /** Its share of idle quota relative to the other tenants. */
  readonly fairSharingWeight: number;
}

/**
 * The queue numbers of a tenant, from its quota, its services and its
 * resolved queue; undefined when the platform does not queue through Kueue.
 */
export function queueCommitment(platform: PlatformFile, tenant: TenantConfig): QueueCommitment | undefined {
  const settings = tenant.queueing;
  if (settings === undefined) return undefined;
  // The reserve's amounts as the ResourceQuota holds them (lib/queueing.ts), its GPUs by type from the services.
  const demand = workloadDemand(tenant);
  const reserve = settings.servingReserve;
  const servingReserve: ResourceAmounts = {
    cpu: parseQuantity(reserve.cpu),
    memoryGiB: parseQuantity(reserve.memory) / GIB,
    gpus: reserve.gpu,
    gpusByType: addResources(demand.servicesAtMax, demand.rolloutSurge).gpusByType,
    ephemeralStorageGiB: parseQuantity(reserve.ephemeralStorage) / GIB,
  };
  const positive = (counts: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
  const guarantee: ResourceAmounts = {
    cpu: parseQuantity(tenant.quota.cpu),
    memoryGiB: parseQuantity(tenant.quota.memory) / GIB,
    gpus: tenant.quota.gpu,
    gpusByType: positive(settings.guarantee.gpus ?? {}),
    ephemeralStorageGiB: parseQuantity(tenant.quota.ephemeralStorage) / GIB,
  };
  const gpuTypes = Object.keys(platform.spec.gpuTypes);
  const limit = settings.borrowingLimit;
  const borrowable: ResourceAmounts = {
    cpu: parseQuantity(limit.cpu),
    memoryGiB: parseQuantity(limit.memory) / GIB,
    gpus: limit.gpu * gpuTypes.length,
    gpusByType: positive(Object.fromEntries(gpuTypes.map((type) => [type, limit.gpu]))),
    ephemeralStorageGiB: parseQuantity(limit.ephemeralStorage) / GIB,
  };
  const lend = settings.lendingLimit;
  const capped = (amount: string | undefined, of: number, unit = 1) => (amount === undefined ? of : Math.min(parseQuantity(amount) / unit, of));
  const lentGpus = positive(Object.fromEntries(Object.entries(guarantee.gpusByType).map(([type, count]) => [type, Math.min(lend.gpu ?? count, count)])));
  const lendable: ResourceAmounts = {
    cpu: capped(lend.cpu, guarantee.cpu),
    memoryGiB: capped(lend.memory, guarantee.memoryGiB, GIB),
    gpus: Object.values(lentGpus).reduce((sum, count) => sum + count, 0),
    gpusByType: lentGpus,
    ephemeralStorageGiB: capped(lend.ephemeralStorage, guarantee.ephemeralStorageGiB, GIB),
  };
  const committed = addResources(guarantee, servingReserve);
  const namespace = settings.namespaceAmounts;
  const resourceQuota: ResourceAmounts = {
    cpu: parseQuantity(namespace.cpu),
    memoryGiB: parseQuantity(namespace.memory) / GIB,
    gpus: namespace.gpu,
    gpusByType: addResources(committed, borrowable).gpusByType,
    ephemeralStorageGiB: parseQuantity(namespace.ephemeralStorage) / GIB,
  };
  return { guarantee, servingReserve, committed, borrowable, lendable, resourceQuota, fairSharingWeight: settings.fairSharingWeight };
}

/**
 * The monthly cost a tenant commits the platform to: its quota without Kueue
 * ({@link quotaMonthlyCost}); with Kueue its guarantee and serving reserve,
 * GPUs at their types' prices, and its storage quota.
 */
export function committedMonthlyCost(platform: PlatformFile, tenant: TenantConfig): CostBreakdown {
  const queue = queueCommitment(platform, tenant);
  if (queue === undefined) return quotaMonthlyCost(platform, tenant.quota);
  return amountsMonthlyCost(platform, queue.committed, parseQuantity(tenant.quota.storage) / GIB);
}

/** An amount of money, e.g. `$17,520.00`; `signed` adds `+` to positive amounts. */
export function formatMoney(amount: number, currency: string, signed = false): string {
  let text: string;
  try {
    text = new Intl.NumberFormat('en-US', { style: 'currency', currency, signDisplay: signed ? 'exceptZero' : 'auto' }).format(roundCents(amount));
  } catch {
    // A currency code Intl does not know: the number and the code.
    const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: signed ? 'exceptZero' : 'auto' }).format(roundCents(amount));
    text = `${number} ${currency}`;
  }
  return text;
}
