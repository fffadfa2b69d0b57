/**
 * A tenant's Kueue queue, resolved against the platform file, and the cross-checks that
 * only exist with queueing on: the split of the GPU guarantee over GPU types, lending within
 * the guarantee, and every training job fitting what its queue can ever admit.
 */
import { CONTAINER_RESOURCES } from './amount-bounds';
import { GpuPlacement } from '../lib/gpu-placement';
import { ROLLOUT_MAX_SURGE } from '../lib/model-service';
import { exceeds, parseMillis, parseQuantity } from '../lib/quantity';
import { QUEUED_CONTAINER_RESOURCES, QueueAmounts, QueuedResource, addBytes, addCpu, queuedNamespaceAmounts, queuedNamespaceGpus, ServingTrackPeak, servingReserve, servingTrackPeaks, timesAmount } from '../lib/queueing';
import { OptionalQueueAmounts, TenantQueueProps } from '../lib/tenant-queue';
import { DEFAULT_GPU_RESOURCE } from '../lib/tenant-namespace';
import { PlatformFile } from './schema/platform';
import { TenantFile } from './schema/tenant';
import { ModelServiceConfig, TrainingJobConfig } from './workload-shapes';

/** TenantQueue props the tenant chart sets: the tenant, and the GPU types from the platform file. */
export type TenantQueueChartProps = 'tenant' | 'gpuTypes';

/** A tenant's queue with every default resolved: TenantQueue's props, and the namespace amounts that go with them. */
export type TenantQueueConfig = Required<Omit<TenantQueueProps, TenantQueueChartProps>> & {
  /** What the model services run at their peak at once; the ResourceQuota holds it beside the queue. */
  readonly servingReserve: QueueAmounts;
  /** The ResourceQuota's CPU, memory, GPUs (all resource names together) and local disk: guarantee + borrowing limit (x GPU types) + serving reserve. */
  readonly namespaceAmounts: QueueAmounts;
  /** The ResourceQuota's GPUs per extended resource name (`requests.<name>`): see {@link queuedNamespaceGpus}. */
  readonly namespaceGpus: Readonly<Record<string, number>>;
};

/** Where a problem is: a field path of the tenant file. */
type Report = (path: ReadonlyArray<string | number>, message: string) => void;

/** The guarantee of batch work: the tenant's resolved quota. */
export interface QueueQuota {
  readonly cpu: string;
  readonly memory: string;
  readonly gpu: number;
  readonly ephemeralStorage: string;
}

/**
 * The tenant's queue, when the platform queues through Kueue; undefined otherwise.
 * Reports every queueing problem of the tenant file through `report`; the tenant file's own
 * `spec.queueing` section (GPU types of the split, its sum, lending) is checked in both modes.
 */
export function resolveQueueing(
  platform: PlatformFile,
  tenant: TenantFile,
  quota: QueueQuota,
  trainingJobs: readonly TrainingJobConfig[],
  modelServices: readonly ModelServiceConfig[],
  report: Report,
): TenantQueueConfig | undefined {
  const settings = platform.spec.queueing;
  const own = tenant.spec.queueing;
  const borrowingLimit: QueueAmounts = { ...settings.defaults.borrowingLimit, ...definedFields(own.borrowingLimit ?? {}) };
  const gpus = resolveGpuGuarantee(platform, tenant, quota.gpu, trainingJobs, borrowingLimit.gpu, settings.kueue, report);
  const lendingLimit = resolveLendingLimit(settings.defaults.lendingLimit, own.lendingLimit ?? {}, quota, gpus, report);
  if (!settings.kueue) return undefined;

  const guarantee = { cpu: quota.cpu, memory: quota.memory, ephemeralStorage: quota.ephemeralStorage, gpus: gpus ?? {} };
  // Without a GPU split (reported), the GPU fit of each job is unknown: check CPU, memory and disk only.
  trainingJobs.forEach((job, index) => checkJobFits(job, guarantee, borrowingLimit, own.borrowingLimit ?? {}, gpus !== undefined, (path, message) => report(['spec', 'trainingJobs', index, ...path], message)));

  // Each service with its canary, if any: every track at its replicas.max plus the surge replica.
  const reserve = servingReserve(modelServices.flatMap((service) => servingTrackPeaks(service)));
  const gpuTypes = platformGpuTypes(platform);
  const reserveGpus: Record<string, number> = {};
  for (const service of modelServices) {
    const resourceName = resourceNameOf(service.gpuType);
    for (const peak of servingTrackPeaks(service)) {
      if (peak.gpus > 0) reserveGpus[resourceName] = (reserveGpus[resourceName] ?? 0) + peak.gpus * peak.pods;
    }
  }
  const namespaceGpus = queuedNamespaceGpus(
    gpuTypes.map((type) => ({ resourceName: resourceNameOf(type), guarantee: guarantee.gpus[type.name] ?? 0 })),
    borrowingLimit.gpu,
    reserveGpus,
  );
  const namespaceAmounts = queuedNamespaceAmounts({ ...quota }, borrowingLimit, namespaceGpus, reserve);
  checkNamespaceBounds(
    platform,
    { quota, gpuGuarantee: guarantee.gpus, borrowingLimit, ownBorrowing: own.borrowingLimit ?? {}, gpuTypes, modelServices, reserve, namespaceAmounts, namespaceGpus },
    report,
  );
  return {
    guarantee,
    cohort: settings.cohort,
    queueingStrategy: settings.queueingStrategy,
    borrowingLimit,
    lendingLimit,
    fairSharingWeight: own.fairSharingWeight ?? settings.defaults.fairSharingWeight,
    preemption: settings.preemption[tenant.spec.tier],
    servingReserve: reserve,
    namespaceAmounts,
    namespaceGpus,
  };
}

/**
 * The lending limits: the tenant's own, checked against its guarantee, else the platform's
 * defaults, never refused but capped at the guarantee. GPUs: the limit applies per GPU type,
 * capped at that type's guarantee (TenantQueue), so a tenant's own limit is refused only when it
 * exceeds its largest per-type guarantee, where it would have no effect.
 */
function resolveLendingLimit(
  defaults: OptionalQueueAmounts,
  own: OptionalQueueAmounts,
  quota: QueueQuota,
  gpus: Readonly<Record<string, number>> | undefined,
  report: Report,
): OptionalQueueAmounts {
  const limits: { -readonly [Resource in keyof OptionalQueueAmounts]: OptionalQueueAmounts[Resource] } = {};
  for (const resource of CONTAINER_RESOURCES) {
    const ownValue = own[resource];
    const value = ownValue ?? defaults[resource];
    if (value === undefined) continue;
    const tooMuch = parseMillis(value) > parseMillis(quota[resource]);
    if (tooMuch && ownValue !== undefined) {
      report(
        ['spec', 'queueing', 'lendingLimit', resource],
        `${value} exceeds the tenant's ${resource} guarantee of ${quota[resource]} (spec.quota.${resource}); a tenant lends only what it is guaranteed: lower spec.queueing.lendingLimit.${resource} or raise spec.quota.${resource}`,
      );
    }
    limits[resource] = tooMuch ? quota[resource] : value;
  }
  const gpu = own.gpu ?? defaults.gpu;
  if (gpu === undefined) return limits;
  const largest = gpus === undefined ? undefined : Object.entries(gpus).reduce<[string, number] | undefined>((best, entry) => (best === undefined || entry[1] > best[1] ? entry : best), undefined);
  const most = largest?.[1] ?? 0;
  if (own.gpu !== undefined && gpus !== undefined && own.gpu > most) {
    const where = largest === undefined ? 'no GPU type has a guarantee' : `the largest is ${most} on ${largest[0]}`;
    report(
      ['spec', 'queueing', 'lendingLimit', 'gpu'],
      `${own.gpu} exceeds every GPU type's guarantee (${where}); the limit applies per GPU type, capped at that type's guarantee, so it would have no effect: lower spec.queueing.lendingLimit.gpu to at most ${most}, or leave it out to lend all of the idle guarantee`,
    );
  }
  limits.gpu = gpu;
  return limits;
}

/**
 * Reports a training job that needs to borrow more GPUs of its type than the other tenants of
 * the cohort (every tenant with Kueue on) guarantee of that type and may lend: it could never
 * be admitted. `report` reports at a field of the named tenant's file.
 */
export function checkCohortBorrowing(
  platform: PlatformFile,
  tenants: ReadonlyArray<{ readonly name: string; readonly trainingJobs: readonly TrainingJobConfig[]; readonly queueing?: TenantQueueConfig }>,
  report: (tenant: string, path: ReadonlyArray<string | number>, message: string) => void,
): void {
  const cohort = platform.spec.queueing.cohort;
  const lendable = (queue: TenantQueueConfig, type: string) => Math.min(queue.guarantee.gpus?.[type] ?? 0, queue.lendingLimit.gpu ?? Infinity);
  for (const tenant of tenants) {
    const queue = tenant.queueing;
    if (queue === undefined) continue;
    tenant.trainingJobs.forEach((job, index) => {
      const type = jobGpuType(job);
      if (type === undefined) return;
      const need = job.gpus * job.workers;
      const own = queue.guarantee.gpus?.[type.name] ?? 0;
      const borrow = need - own;
      if (borrow <= 0) return;
      const lenders = tenants.filter((other) => other !== tenant && other.queueing !== undefined && lendable(other.queueing, type.name) > 0);
      const available = lenders.reduce((sum, other) => sum + lendable(other.queueing!, type.name), 0);
      if (available >= borrow) return;
      const who = lenders.length === 0 ? `no other tenant guarantees ${type.name} GPUs it may lend` : `the other tenants may lend ${available} (${lenders.map((other) => `${other.name} ${lendable(other.queueing!, type.name)}`).join(', ')})`;
      report(
        tenant.name,
        ['spec', 'trainingJobs', index, 'gpus'],
        `the job needs ${need} GPUs (${job.workers} x ${job.gpus}) of type ${type.name}, ${borrow} beyond the tenant's guarantee of ${own}, but the cohort ${cohort} has only ${available} ${type.name} GPUs to lend: ${who} (guarantee, capped by their lendingLimit.gpu); it could never be admitted: raise the tenant's ${type.name} guarantee (spec.quota.gpu, spec.queueing.gpuGuarantee.${type.name}) to at least ${need - available}, or lower gpus or workers`,
      );
    });
  }
}

/** The platform's GPU types, in the order of the platform file: the flavors of every tenant queue. */
export function platformGpuTypes(platform: PlatformFile): GpuPlacement[] {
  return Object.entries(platform.spec.gpuTypes).map(([name, type]) => ({
    name,
    nodeSelector: type.nodeSelector,
    tolerations: type.tolerations,
    resourceName: type.resourceName,
  }));
}

/** What the namespace's ResourceQuota adds up, part by part. */
interface NamespaceParts {
  readonly quota: QueueQuota;
  readonly gpuGuarantee: Readonly<Record<string, number>>;
  readonly borrowingLimit: QueueAmounts;
  readonly ownBorrowing: Partial<QueueAmounts>;
  readonly gpuTypes: readonly GpuPlacement[];
  readonly modelServices: readonly ModelServiceConfig[];
  readonly reserve: QueueAmounts;
  readonly namespaceAmounts: QueueAmounts;
  readonly namespaceGpus: Readonly<Record<string, number>>;
}

/** One amount of the ResourceQuota, its parts and where each is set. */
interface QuotaLine {
  readonly resource: QueuedResource;
  /** How the total is named: `4040 GPUs (nvidia.com/gpu)`, `190 of cpu`. */
  readonly what: string;
  readonly total: string;
  readonly guarantee: { readonly amount: bigint; readonly text: string };
  readonly borrowing: { readonly amount: bigint; readonly single: string; readonly text: string };
  readonly services: ReadonlyArray<{ readonly index: number; readonly name: string; readonly field: readonly string[]; readonly amount: bigint; readonly text: string }>;
  readonly reserve: string;
}

/**
 * Reports a ResourceQuota amount of the Kueue mode (guarantee + borrowing + serving reserve;
 * GPUs per extended resource name) above the platform's `limits.quota` bound, at the field of
 * the largest part, with the parts.
 */
function checkNamespaceBounds(platform: PlatformFile, parts: NamespaceParts, report: Report): void {
  const bounds = platform.spec.limits.quota;
  for (const line of quotaLines(parts)) {
    const bound = String(bounds[line.resource]);
    const limit = parseMillis(bound);
    if (parseMillis(line.total) <= limit) continue;
    // A guarantee or borrowing limit above the bound by itself is reported at its field already.
    if (parseMillis(String(parts.quota[line.resource])) > limit || parseMillis(line.borrowing.single) > limit) continue;
    const largestService = line.services.reduce<QuotaLine['services'][number] | undefined>((best, entry) => (best === undefined || entry.amount > best.amount ? entry : best), undefined);
    const borrowingPath = parts.ownBorrowing[line.resource] === undefined ? ['spec', 'quota', line.resource] : ['spec', 'queueing', 'borrowingLimit', line.resource];
    const candidates: Array<{ amount: bigint; path: ReadonlyArray<string | number>; fix: string }> = [
      { amount: line.guarantee.amount, path: ['spec', 'quota', line.resource], fix: `lower spec.quota.${line.resource}` },
      { amount: line.borrowing.amount, path: borrowingPath, fix: `lower the borrowing limit (spec.queueing.borrowingLimit.${line.resource})` },
      ...(largestService === undefined
        ? []
        : [{ amount: largestService.amount, path: ['spec', 'modelServices', largestService.index, ...largestService.field], fix: `lower ${largestService.field.join('.')} of ${largestService.name}` }]),
    ];
    const pusher = candidates.reduce((best, entry) => (entry.amount > best.amount ? entry : best));
    const serviceTexts = line.services.map((service) => service.text);
    report(
      pusher.path,
      `the namespace's ResourceQuota would hold ${line.what}: guarantee ${line.guarantee.text} + borrowing limit ${line.borrowing.text} + serving reserve ${line.reserve}${serviceTexts.length > 0 ? ` (${serviceTexts.join(', ')})` : ''}, above ${bound}, the largest ${line.resource} quota the platform allows (limits.quota.${line.resource} in the platform file); ${pusher.fix}, or ask the platform team to raise that limit`,
    );
  }
}

/** The ResourceQuota's queued amounts with their parts: CPU, memory, local disk, and GPUs per resource name. */
function quotaLines(parts: NamespaceParts): QuotaLine[] {
  // Every track of every service (a canary beside its stable track), at its peak.
  const peaks = parts.modelServices.flatMap((service, index) =>
    servingTrackPeaks(service).map((peak) => ({ index, peak, resourceName: resourceNameOf(service.gpuType) })),
  );
  const text = (peak: ServingTrackPeak, amount: string) => `${peak.name}: (${peak.maxReplicas} + ${ROLLOUT_MAX_SURGE}) x ${amount}`;
  const lines: QuotaLine[] = [];
  for (const [resourceName, total] of Object.entries(parts.namespaceGpus)) {
    const types = parts.gpuTypes.filter((type) => resourceNameOf(type) === resourceName);
    const guarantee = types.reduce((sum, type) => sum + (parts.gpuGuarantee[type.name] ?? 0), 0);
    const services = peaks
      .filter(({ peak, resourceName: name }) => peak.gpus > 0 && name === resourceName)
      .map(({ peak, index }) => ({ index, name: peak.name, field: peak.maxReplicasField, amount: BigInt(peak.gpus * peak.pods), text: text(peak, String(peak.gpus)) }));
    lines.push({
      resource: 'gpu',
      what: `${total} GPUs (requests.${resourceName})`,
      total: String(total),
      guarantee: { amount: BigInt(guarantee), text: `${guarantee} (${types.length === parts.gpuTypes.length ? 'spec.quota.gpu' : `spec.queueing.gpuGuarantee of ${types.map((type) => type.name).join(', ')}`})` },
      borrowing: {
        amount: BigInt(parts.borrowingLimit.gpu * types.length),
        single: String(parts.borrowingLimit.gpu),
        text: `${parts.borrowingLimit.gpu} x ${types.length} GPU type${types.length === 1 ? '' : 's'} (${borrowingSource('gpu', parts.ownBorrowing)})`,
      },
      services,
      reserve: String(services.reduce((sum, service) => sum + Number(service.amount), 0)),
    });
  }
  for (const resource of QUEUED_CONTAINER_RESOURCES) {
    const services = peaks
      .map(({ peak, index }) => ({ index, name: peak.name, field: peak.maxReplicasField, amount: parseMillis(peak[resource]) * BigInt(peak.pods), text: text(peak, peak[resource]) }))
      .filter((service) => service.amount > 0n);
    lines.push({
      resource,
      what: `${parts.namespaceAmounts[resource]} of ${resource}`,
      total: parts.namespaceAmounts[resource],
      guarantee: { amount: parseMillis(parts.quota[resource]), text: `${parts.quota[resource]} (spec.quota.${resource})` },
      borrowing: { amount: parseMillis(parts.borrowingLimit[resource]), single: parts.borrowingLimit[resource], text: `${parts.borrowingLimit[resource]} (${borrowingSource(resource, parts.ownBorrowing)})` },
      services,
      reserve: parts.reserve[resource],
    });
  }
  return lines;
}

/** The extended resource name of a GPU type's GPUs. */
function resourceNameOf(type: GpuPlacement | undefined): string {
  return type?.resourceName ?? DEFAULT_GPU_RESOURCE;
}

/** Where a borrowing limit comes from: the tenant file, or the platform default. */
function borrowingSource(resource: QueuedResource, own: Partial<QueueAmounts>): string {
  return own[resource] === undefined
    ? `platform default queueing.defaults.borrowingLimit.${resource} in the platform file`
    : `spec.queueing.borrowingLimit.${resource}`;
}

/** The fields of `value` that are set. */
function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** The GPU type a job runs on, by name; undefined when it uses no GPU (or names an unknown type, reported elsewhere). */
function jobGpuType(job: TrainingJobConfig): GpuPlacement | undefined {
  return job.gpus > 0 ? job.gpuType : undefined;
}

/**
 * The guaranteed GPUs by GPU type: the tenant's split, checked against the platform's GPU
 * types and spec.quota.gpu, or all of spec.quota.gpu on the one type its training jobs use
 * (the platform's defaultGpuType when they use none).
 */
function resolveGpuGuarantee(
  platform: PlatformFile,
  tenant: TenantFile,
  total: number,
  trainingJobs: readonly TrainingJobConfig[],
  borrowingGpus: number,
  queued: boolean,
  report: Report,
): Readonly<Record<string, number>> | undefined {
  const split = tenant.spec.queueing.gpuGuarantee;
  const types = Object.keys(platform.spec.gpuTypes);
  if (split !== undefined) {
    for (const type of Object.keys(split)) {
      if (!types.includes(type)) {
        report(['spec', 'queueing', 'gpuGuarantee', type], `unknown GPU type "${type}"; the platform offers ${types.join(', ')}`);
      }
    }
    const sum = Object.values(split).reduce((left, count) => left + count, 0);
    if (sum !== total) {
      const terms = Object.entries(split).map(([type, count]) => `${type}: ${count}`).join(' + ') || 'nothing';
      report(
        ['spec', 'queueing', 'gpuGuarantee'],
        `sums to ${sum} (${terms}), but spec.quota.gpu is ${total}; the split must add up to the GPU guarantee: change the split or spec.quota.gpu`,
      );
    }
    return Object.fromEntries(Object.entries(split).filter(([type, count]) => types.includes(type) && count > 0));
  }
  if (!queued) return undefined;
  const used = [...new Set(trainingJobs.map(jobGpuType).filter((type) => type !== undefined).map((type) => type.name))];
  if (used.length > 1 && total > 0) {
    report(['spec', 'queueing'], splitAdvice(used, total, trainingJobs, borrowingGpus));
    return undefined;
  }
  const type = used[0] ?? platform.spec.defaultGpuType;
  return total > 0 ? { [type]: total } : {};
}

/**
 * The message for jobs on several GPU types without a split: a split that follows the jobs'
 * needs (each type at least its largest job's need minus the borrowing limit, the rest on the
 * type with the largest need), or, when no split of spec.quota.gpu lets every job fit, how much
 * more it needs.
 */
function splitAdvice(types: readonly string[], total: number, trainingJobs: readonly TrainingJobConfig[], borrowingGpus: number): string {
  const largestNeed = (type: string) => Math.max(0, ...trainingJobs.filter((job) => jobGpuType(job)?.name === type).map((job) => job.gpus * job.workers));
  const needs = types.map((type) => ({ type, need: largestNeed(type), least: Math.max(0, largestNeed(type) - borrowingGpus) }));
  const least = needs.reduce((sum, entry) => sum + entry.least, 0);
  const start = `the training jobs use the GPU types ${types.join(', ')}, so spec.quota.gpu (${total}) must be split over them`;
  const leastTerms = needs.map((entry) => `${entry.type} ${entry.need}, so at least ${entry.least}`).join('; ');
  if (least > total) {
    return `${start}, but no split lets every job fit: each type needs at least its largest job's GPUs minus the borrowing limit of ${borrowingGpus} (${leastTerms}), ${least} in all, ${least - total} more than spec.quota.gpu: raise spec.quota.gpu to ${least} and add gpuGuarantee: {${needs.map((entry) => `${entry.type}: ${entry.least}`).join(', ')}}, or raise the borrowing limit (spec.queueing.borrowingLimit.gpu), or make the jobs smaller`;
  }
  const most = needs.reduce((best, entry) => (entry.need > best.need ? entry : best));
  const split = needs.map((entry) => `${entry.type}: ${entry.least + (entry === most ? total - least : 0)}`).join(', ');
  return `${start}: add gpuGuarantee, e.g. gpuGuarantee: {${split}} (each type at least its largest job's GPUs minus the borrowing limit of ${borrowingGpus}: ${leastTerms}; the rest on ${most.type})`;
}

/**
 * Reports a job that needs more than its queue can ever admit: its guarantee plus its borrowing
 * limit, for the GPU type it runs on. Kueue admits a job only whole, so it would stay queued forever.
 */
function checkJobFits(
  job: TrainingJobConfig,
  guarantee: TenantQueueConfig['guarantee'],
  borrowingLimit: QueueAmounts,
  ownBorrowing: Partial<QueueAmounts>,
  checkGpus: boolean,
  report: Report,
): void {
  const what = job.workers > 1 ? `its ${job.workers} workers need` : 'its worker needs';
  const forever = 'Kueue admits a job only whole, so it would stay queued forever';
  for (const resource of CONTAINER_RESOURCES) {
    const need = parseQuantity(job[resource]) * job.workers;
    const most = parseQuantity(guarantee[resource]) + parseQuantity(borrowingLimit[resource]);
    if (exceeds(need, most)) {
      const sum = resource === 'cpu' ? addCpu(guarantee.cpu, borrowingLimit.cpu) : addBytes(guarantee[resource], borrowingLimit[resource]);
      report(
        [resource],
        `${what} ${resource === 'cpu' ? `${addCpu(timesAmount(job.cpu, job.workers))} cores` : addBytes(timesAmount(job[resource], job.workers))} (${job.workers} x ${job[resource]}), more than the tenant's queue can ever admit: guarantee ${guarantee[resource]} (spec.quota.${resource}) + borrowing limit ${borrowingLimit[resource]} (${borrowingSource(resource, ownBorrowing)}) = ${sum}; ${forever}: lower ${resource} or workers, or raise spec.quota.${resource} or spec.queueing.borrowingLimit.${resource}`,
      );
    }
  }
  const type = jobGpuType(job);
  if (type === undefined || !checkGpus) return;
  const own = guarantee.gpus?.[type.name] ?? 0;
  const need = job.gpus * job.workers;
  if (need > own + borrowingLimit.gpu) {
    report(
      ['gpus'],
      `${what} ${need} GPUs (${job.workers} x ${job.gpus}) of type ${type.name}, more than the tenant's queue can ever admit on ${type.name}: guarantee ${own} (spec.queueing.gpuGuarantee.${type.name}, else spec.quota.gpu) + borrowing limit ${borrowingLimit.gpu} (${borrowingSource('gpu', ownBorrowing)}) = ${own + borrowingLimit.gpu}; ${forever}: lower gpus or workers, or raise the ${type.name} guarantee or spec.queueing.borrowingLimit.gpu`,
    );
  }
}
