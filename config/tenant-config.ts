/**
 * A tenant with every default resolved against the platform file: what the
 * tenant chart turns into constructs. Cross-checks that need the platform
 * (GPU types, registries, quota) happen here, with the tenant file's paths.
 */
import { AmountLimits, CONTAINER_RESOURCES, ContainerResource, QUOTA_FIELDS, containerAmountProblem, quotaAmountProblem, shmSizeProblem } from './amount-bounds';
import { Cidr, LINK_LOCAL_IPV4, coversIpv4Mapped, LINK_LOCAL_IPV6, mustParseCidr, overlaps, parseCidr } from '../lib/cidr';
import { ExposureMode } from '../lib/exposure';
import { GpuPlacement } from '../lib/gpu-placement';
import { parseImage, isFromRegistry } from '../lib/image';
import { DISTRIBUTED_ENV, MIN_STARTING_DEADLINE_SECONDS, PLATFORM_ENV, TRAINING_JOB_DEFAULTS, defaultShmSize } from '../lib/gpu-training-job';
import { canaryName, defaultCanaryReplicas, stableServiceName } from '../lib/canary';
import { ROLLOUT_MAX_SURGE, defaultReplicas } from '../lib/model-service';
import { LIVENESS_DEFAULTS, LivenessProbeOptions, READINESS_PROBE, probeFailureSeconds } from '../lib/serving-pod';
import { Tier, isReservedLabel } from '../lib/labels';
import { DNS_NAME } from '../lib/names';
import { exceeds, parseQuantity } from '../lib/quantity';
import { durationSeconds } from './schema/common';
import { PlatformFile } from './schema/platform';
import { PolicyWaiverEntry } from './schema/policy-waiver';
import { ModelServiceEntry, TenantFile, TrainingJobEntry } from './schema/tenant';
import { ContainerAmounts, TENANT_OBJECT_NAMES, TenantLimits, TenantQuota } from '../lib/tenant-namespace';
import { AlertThresholds } from '../lib/monitoring/alert-rules';
import { DEFAULT_ALERT_THRESHOLDS } from '../lib/monitoring-stack';
import { ModelServiceConfig, TenantNamespaceConfig, TrainingJobConfig } from './workload-shapes';
import { TenantQueueConfig, resolveQueueing } from './tenant-queue-config';
import { QUEUED_RESOURCES, servingTrackPeaks, tierAbove } from '../lib/queueing';
import { Duration } from 'cdk8s';

export type { ModelServiceConfig, TrainingJobConfig };

/** A tenant's quota with every field resolved, the platform's defaults applied. */
export type ResolvedQuota = Required<TenantQuota>;
/** A tenant's LimitRange with every field resolved, the platform's defaults applied. */
export type ResolvedLimits = { readonly [Kind in keyof TenantLimits]: Required<ContainerAmounts> };

/** A tenant, fully resolved: TenantNamespace's props, and what the tenant chart builds on it. */
export interface TenantConfig extends TenantNamespaceConfig {
  readonly quota: ResolvedQuota;
  readonly limits: ResolvedLimits;
  /** The tenant file, as the user named it. */
  readonly file: string;
  readonly trainingJobs: readonly TrainingJobConfig[];
  readonly modelServices: readonly ModelServiceConfig[];
  /** Policies whose violations the tenant accepts, with its reasons (see policy/). */
  readonly policyWaivers: readonly PolicyWaiverEntry[];
  /** Alert thresholds, defaults applied. */
  readonly monitoring: AlertThresholds;
  /**
   * The tenant's Kueue queue when the platform has queueing on (queueing.kueue); `quota` is
   * then the guarantee of batch work, and the ResourceQuota holds `queueing.namespaceAmounts`.
   * Undefined with queueing off: the ResourceQuota is `quota`.
   */
  readonly queueing?: TenantQueueConfig;
}

/** Where a problem is: a field path of the tenant file. */
type Report = (path: ReadonlyArray<string | number>, message: string) => void;

/**
 * Resolves a parsed tenant file against the platform, reporting every
 * cross-check failure through `report`.
 */
export function resolveTenant(platform: PlatformFile, tenant: TenantFile, file: string, report: Report): TenantConfig {
  const spec = tenant.spec;
  const defaults = platform.spec.defaults;
  const quota: ResolvedQuota = {
    cpu: spec.quota.cpu ?? defaults.quota.cpu,
    memory: spec.quota.memory ?? defaults.quota.memory,
    gpu: spec.quota.gpu ?? defaults.quota.gpu,
    storage: spec.quota.storage ?? defaults.quota.storage,
    pods: spec.quota.pods ?? defaults.quota.pods,
    ephemeralStorage: spec.quota.ephemeralStorage ?? defaults.quota.ephemeralStorage,
  };
  const limits: ResolvedLimits = {
    defaultRequest: { ...defaults.limits.defaultRequest, ...spec.limits.defaultRequest },
    default: { ...defaults.limits.default, ...spec.limits.default },
    max: { ...defaults.limits.max, ...spec.limits.max },
  };

  for (const key of Object.keys(tenant.metadata.labels)) {
    if (isReservedLabel(key)) {
      report(['metadata', 'labels', key], `label "${key}" uses a platform-owned prefix (mlp.io/, kubernetes.io/, k8s.io/, pod-security.kubernetes.io/); choose another key`);
    }
  }
  checkAmountBounds(platform.spec.limits, tenant, report);
  checkLimits(limits, report);
  checkNetwork(platform, tenant, report);
  checkUniqueWorkloadNames(tenant, report);
  checkNetworkPolicyNames(tenant, platform.spec.exposure.mode, report);

  // With queueing on, jobs are checked against what their queue can admit (resolveQueueing), and
  // model services need no check against the quota: their peak is added to it as the serving reserve.
  const queued = platform.spec.queueing.kueue;
  const workloadQuota = queued ? undefined : quota;
  const trainingJobs = spec.trainingJobs.map((job, index) =>
    resolveTrainingJob(platform, spec.tier, workloadQuota, quota, limits, job, (path, message) => report(['spec', 'trainingJobs', index, ...path], message)),
  );
  const modelServices = spec.modelServices.map((service, index) =>
    resolveModelService(platform, tenant.metadata.name, workloadQuota, limits, service, (path, message) =>
      report(['spec', 'modelServices', index, ...path], message),
    ),
  );

  // Always called: the tenant's own queueing section is checked in both modes; undefined with Kueue off.
  const queueing = resolveQueueing(platform, tenant, quota, trainingJobs, modelServices, report);
  return {
    name: tenant.metadata.name,
    file,
    costCenter: spec.costCenter,
    labels: tenant.metadata.labels,
    owners: spec.owners,
    members: spec.members,
    viewers: spec.viewers,
    tier: spec.tier,
    quota,
    limits,
    allowFrom: spec.network.allowFrom,
    egressCidrs: spec.network.egress.allowCidrs,
    allowInternet: spec.network.egress.allowInternet,
    trainingJobs,
    modelServices,
    policyWaivers: spec.policyWaivers,
    monitoring: { ...DEFAULT_ALERT_THRESHOLDS, ...definedFields(spec.monitoring) },
    ...(queueing && { queueing }),
  };
}

/** The fields of `value` that are set, so that spreading it keeps defaults for the others. */
function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function checkLimits(limits: ResolvedLimits, report: Report): void {
  for (const resource of CONTAINER_RESOURCES) {
    const max = parseQuantity(limits.max[resource]);
    for (const kind of ['default', 'defaultRequest'] as const) {
      if (exceeds(parseQuantity(limits[kind][resource]), max)) {
        report(['spec', 'limits', kind, resource], `${limits[kind][resource]} exceeds limits.max.${resource} of ${limits.max[resource]}; lower it or raise the maximum`);
      }
    }
    if (exceeds(parseQuantity(limits.defaultRequest[resource]), parseQuantity(limits.default[resource]))) {
      report(['spec', 'limits', 'defaultRequest', resource], `${limits.defaultRequest[resource]} exceeds limits.default.${resource} of ${limits.default[resource]}; a request cannot exceed its limit`);
    }
  }
}

function checkNetwork(platform: PlatformFile, tenant: TenantFile, report: Report): void {
  const network = tenant.spec.network;
  const seen = new Set<string>();
  network.allowFrom.forEach((namespace, index) => {
    if (seen.has(namespace)) report(['spec', 'network', 'allowFrom', index], `namespace "${namespace}" is listed twice`);
    seen.add(namespace);
    if (namespace === tenant.metadata.name) {
      report(['spec', 'network', 'allowFrom', index], `"${namespace}" is the tenant itself; traffic within the namespace is always allowed`);
    }
    if (namespace === 'default' || namespace.startsWith('kube-')) {
      const why = namespace === 'default' ? 'any workload of the cluster may run there' : 'it is a Kubernetes system namespace';
      report(['spec', 'network', 'allowFrom', index], `"${namespace}" cannot be allowed in: ${why}; allow the namespace of the specific client instead`);
    }
    if (namespace === platform.spec.monitoring.namespace) {
      report(['spec', 'network', 'allowFrom', index], `"${namespace}" is the monitoring namespace, which is always allowed; remove it`);
    }
  });
  network.egress.allowCidrs.forEach((text, index) => {
    const problem = egressCidrProblem(platform, text);
    if (problem) report(['spec', 'network', 'egress', 'allowCidrs', index], problem);
  });
}

/** The link-local ranges, which hold the cloud metadata service. */
const LINK_LOCAL = [LINK_LOCAL_IPV4, LINK_LOCAL_IPV6].map(mustParseCidr);

/**
 * What is wrong with one egress block, most serious first, so that each block
 * gets one message: too wide, link-local, the cluster's own ranges, then how
 * it is written (IPv4-mapped, host bits set).
 */
function egressCidrProblem(platform: PlatformFile, text: string): string | undefined {
  const cidr = parseCidr(text);
  if (!cidr) return undefined; // the schema reported it
  const network = platform.spec.network;
  const family = `ipv${cidr.family}` as const;
  const shown = cidr.ipv4Mapped ? `${text} (the IPv4 block ${cidr.canonical})` : text;
  const useAllowInternet = 'use allowInternet: true for public addresses, or list narrower blocks';
  if (cidr.prefix === 0) {
    return `${shown} opens every ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address; ${useAllowInternet}`;
  }
  const minPrefix = network.egress.minPrefixLength[family];
  if (cidr.prefix < minPrefix) {
    return `${shown} is wider than /${minPrefix}, the widest block the platform allows (network.egress.minPrefixLength.${family} in the platform file); ${useAllowInternet}`;
  }
  const linkLocal = LINK_LOCAL.find((range) => overlaps(cidr, range));
  if (linkLocal) {
    return `${shown} overlaps the link-local range ${linkLocal.text}, where the cloud metadata service hands out node credentials; remove it`;
  }
  const cluster = clusterRange(platform, cidr);
  if (cluster) {
    return `${shown} overlaps ${cluster}; addresses inside the cluster cannot be opened by CIDR: remove it`;
  }
  if (coversIpv4Mapped(cidr)) {
    return `${text} covers ::ffff:0:0/96, where every IPv4 address has an IPv6 form; list IPv4 blocks as IPv4 and narrow this one`;
  }
  if (cidr.ipv4Mapped) {
    return `${text} is an IPv4 block written as IPv6; write ${cidr.canonical}`;
  }
  if (cidr.hostBitsSet) {
    const address = text.split('/')[0];
    return `${text} has address bits set after its /${cidr.prefix} prefix; write ${cidr.canonical} for the whole block, or ${address}/${cidr.family === 4 ? 32 : 128} for one address`;
  }
  return undefined;
}

/** The platform's pod or Service range that `cidr` overlaps, described, if any. */
function clusterRange(platform: PlatformFile, cidr: Cidr): string | undefined {
  const ranges = [
    ...platform.spec.network.podCidrs.map((range) => [range, `the cluster's pod range ${range} (network.podCidrs in the platform file)`] as const),
    ...platform.spec.network.serviceCidrs.map((range) => [range, `the cluster's Service range ${range} (network.serviceCidrs in the platform file)`] as const),
  ];
  return ranges.find(([range]) => overlaps(cidr, mustParseCidr(range)))?.[1];
}

/** Quota and limits the tenant file sets, against the platform's bounds. */
function checkAmountBounds(bounds: AmountLimits, tenant: TenantFile, report: Report): void {
  const quota = tenant.spec.quota;
  for (const field of QUOTA_FIELDS) {
    const value = quota[field];
    const problem = value === undefined ? undefined : quotaAmountProblem(field, value, bounds);
    if (problem) report(['spec', 'quota', field], problem);
  }
  // Borrowing and lending limits are quota too (the ResourceQuota adds the borrowing limit): the same bounds.
  for (const kind of ['borrowingLimit', 'lendingLimit'] as const) {
    for (const resource of QUEUED_RESOURCES) {
      const value = tenant.spec.queueing[kind]?.[resource];
      const problem = value === undefined ? undefined : quotaAmountProblem(resource, value, bounds);
      if (problem) report(['spec', 'queueing', kind, resource], problem);
    }
  }
  for (const kind of ['defaultRequest', 'default', 'max'] as const) {
    for (const resource of CONTAINER_RESOURCES) {
      const value = tenant.spec.limits[kind]?.[resource];
      const problem = value === undefined ? undefined : containerAmountProblem(resource, value, bounds);
      if (problem) report(['spec', 'limits', kind, resource], problem);
    }
  }
}

/**
 * NetworkPolicy names derive from namespace and service names
 * (`allow-from-<namespace>`, `<service>-from-gateway` or `<service>-from-ingress`
 * by the platform's exposure mode); two that coincide would overwrite each other.
 */
function checkNetworkPolicyNames(tenant: TenantFile, mode: ExposureMode, report: Report): void {
  const fixed = new Set<string>(Object.values(TENANT_OBJECT_NAMES));
  const seen = new Map<string, string>();
  const claim = (name: string, path: ReadonlyArray<string | number>, what: string) => {
    const other = seen.get(name);
    if (fixed.has(name) || other !== undefined) {
      report(path, `${what} would be NetworkPolicy "${name}", which ${other ?? 'the platform'} already uses; rename it`);
    } else {
      seen.set(name, what);
    }
  };
  tenant.spec.network.allowFrom.forEach((namespace, index) =>
    claim(`allow-from-${namespace}`, ['spec', 'network', 'allowFrom', index], `allowing namespace "${namespace}"`),
  );
  tenant.spec.modelServices.forEach((service, index) => {
    if (service.expose.type === 'ingress') {
      claim(`${service.name}-from-${mode}`, ['spec', 'modelServices', index, 'name'], `exposing service "${service.name}" through the ${mode}`);
    }
  });
}

function checkUniqueWorkloadNames(tenant: TenantFile, report: Report): void {
  const seen = new Map<string, string>();
  const visit = (list: 'trainingJobs' | 'modelServices', entries: ReadonlyArray<{ name: string; canary?: object }>) => {
    entries.forEach((entry, index) => {
      const where = `spec.${list}[${index}]`;
      const first = seen.get(entry.name);
      if (first !== undefined) {
        report(['spec', list, index, 'name'], `"${entry.name}" is already used by ${first}; job and service names share the namespace's Service names and must be unique`);
      } else {
        seen.set(entry.name, where);
      }
      // A canary's objects and the stable Service beside it are named after the service.
      if (entry.canary === undefined) return;
      for (const name of [canaryName(entry.name), stableServiceName(entry.name)]) {
        const other = seen.get(name);
        if (other !== undefined) {
          report(
            ['spec', list, index, 'canary'],
            `the canary of "${entry.name}" needs the names "${canaryName(entry.name)}" and "${stableServiceName(entry.name)}", but "${name}" is already used by ${other}; rename one of the two workloads`,
          );
        } else {
          seen.set(name, `the canary of ${where} (${entry.name})`);
        }
      }
    });
  };
  visit('trainingJobs', tenant.spec.trainingJobs);
  visit('modelServices', tenant.spec.modelServices);
}

function resolveGpuType(platform: PlatformFile, gpus: number, name: string | undefined, report: Report): GpuPlacement | undefined {
  const typeName = name ?? platform.spec.defaultGpuType;
  // Own properties only: a name such as "toString" must not find an Object built-in.
  const type = Object.hasOwn(platform.spec.gpuTypes, typeName) ? platform.spec.gpuTypes[typeName] : undefined;
  if (!type) {
    if (name !== undefined) {
      report(['gpuType'], `unknown GPU type "${name}"; the platform offers ${Object.keys(platform.spec.gpuTypes).join(', ')}`);
    }
    return undefined;
  }
  if (gpus === 0) return undefined;
  return { name: typeName, nodeSelector: type.nodeSelector, tolerations: type.tolerations, resourceName: type.resourceName };
}

function checkImage(platform: PlatformFile, image: string, report: Report, path: ReadonlyArray<string | number> = ['image']): void {
  const parsed = parseImage(image);
  if (!parsed) return; // the schema reported it
  const allowed = platform.spec.allowedRegistries;
  if (!allowed.some((registry) => isFromRegistry(parsed, registry))) {
    report(path, `image "${image}" is not from an allowed registry; use one of ${allowed.join(', ')}`);
  }
}

/**
 * How a quota check counts a workload's pods and words the problem: `need(resource, amount)`
 * is the phrase after the field (`its 3 workers need 3 x 4`), `fix(field, quotaField)` the advice.
 */
interface QuotaCount {
  readonly count: number;
  readonly need: (resource: ContainerResource | 'gpu', amount: string) => string;
  readonly fix: (field: ContainerResource | 'gpus', quotaField: ContainerResource | 'gpu') => string;
}

/** A training job: all its workers run at once. */
function jobCount(workers: number, gpus: number): QuotaCount {
  const what = workers > 1 ? `its ${workers} workers need` : 'its worker needs';
  return {
    count: workers,
    need: (resource, amount) => (resource === 'gpu' ? `${what} ${workers * gpus} GPUs (${workers} x ${gpus})` : `${what} ${workers} x ${amount}`),
    fix: (_field, quotaField) => `lower it or raise spec.quota.${quotaField}`,
  };
}

/** A model service during a rollout at its maximum replicas: the surge replica runs beside them. */
function rolloutCount(maxReplicas: number, gpus: number): QuotaCount {
  const count = maxReplicas + ROLLOUT_MAX_SURGE;
  const replicas = `${maxReplicas} + ${ROLLOUT_MAX_SURGE} surge replica`;
  const what = `a rollout at its ${maxReplicas} replicas needs`;
  return {
    count,
    need: (resource, amount) =>
      resource === 'gpu' ? `${what} ${count * gpus} GPUs (${replicas}, x ${gpus})` : `${what} ${count} x ${amount} (${replicas})`,
    fix: (field, quotaField) => `lower replicas.max or ${field}, or raise spec.quota.${quotaField}`,
  };
}

/** Reports a workload amount that exceeds the tenant's limits or, when given, its quota. */
function checkAmounts(
  pods: QuotaCount,
  amounts: { cpu: string; memory: string; ephemeralStorage: string; gpus: number },
  quota: ResolvedQuota | undefined,
  limits: ResolvedLimits,
  bounds: AmountLimits,
  report: Report,
): void {
  for (const resource of CONTAINER_RESOURCES) {
    const value = parseQuantity(amounts[resource]);
    const outOfBounds = containerAmountProblem(resource, amounts[resource], bounds);
    if (outOfBounds) {
      report([resource], outOfBounds);
    } else if (exceeds(value, parseQuantity(limits.max[resource]))) {
      report([resource], `${amounts[resource]} exceeds the tenant's largest container (limits.max.${resource}: ${limits.max[resource]}); lower it or raise spec.limits.max.${resource}`);
    } else if (quota && exceeds(value * pods.count, parseQuantity(quota[resource]))) {
      report([resource], `${pods.need(resource, amounts[resource])}, more than the tenant's ${resource} quota of ${quota[resource]}; ${pods.fix(resource, resource)}`);
    }
  }
  if (quota && amounts.gpus * pods.count > quota.gpu) {
    report(['gpus'], `${pods.need('gpu', String(amounts.gpus))}, more than the tenant's GPU quota of ${quota.gpu}; ${pods.fix('gpus', 'gpu')}`);
  }
}

function checkEnv(env: Readonly<Record<string, string>>, reserved: readonly string[], report: Report): void {
  for (const name of Object.keys(env)) {
    if (reserved.includes(name)) {
      report(['env', name], `${name} is set by the platform; remove it`);
    }
  }
}

function resolveTrainingJob(
  platform: PlatformFile,
  tier: Tier,
  workloadQuota: ResolvedQuota | undefined,
  quota: ResolvedQuota,
  limits: ResolvedLimits,
  job: TrainingJobEntry,
  report: Report,
): TrainingJobConfig {
  const distributed = job.workers > 1;
  checkImage(platform, job.image, report);
  checkAmounts(jobCount(job.workers, job.gpus), job, workloadQuota, limits, platform.spec.limits, report);
  if (job.workers > quota.pods) {
    report(
      ['workers'],
      `${job.workers} workers, more pods than the tenant's pod quota of ${quota.pods} (spec.quota.pods): the ResourceQuota refuses the pods beyond it, so the job never has all its workers (with Kueue, waitForPodsReady evicts and requeues it forever): lower workers to at most ${quota.pods} or raise spec.quota.pods`,
    );
  }
  if (job.priority !== undefined && tierAbove(job.priority, tier)) {
    report(['priority'], `${job.priority} is above the tenant's tier ${tier}; a job's priority is at most its tenant's tier: write ${tier} or lower, or leave priority out (the tenant's tier)`);
  }
  checkEnv(job.env, [...PLATFORM_ENV, ...(distributed ? DISTRIBUTED_ENV : [])], report);
  if (distributed && job.metricsPort === TRAINING_JOB_DEFAULTS.masterPort) {
    report(['metricsPort'], `${TRAINING_JOB_DEFAULTS.masterPort} is the rendezvous port of distributed jobs; choose another metrics port`);
  }
  const shmSize = job.shmSize ?? defaultShmSize(parseQuantity(job.memory));
  const shmTooSmall = job.shmSize === undefined ? undefined : shmSizeProblem(job.shmSize);
  if (shmTooSmall) {
    report(['shmSize'], shmTooSmall);
  } else if (exceeds(parseQuantity(shmSize), parseQuantity(job.memory))) {
    report(['shmSize'], `${shmSize} exceeds memory ${job.memory}; /dev/shm counts toward memory, so lower shmSize or raise memory`);
  }
  if (job.checkpoint && exceeds(parseQuantity(job.checkpoint.size), parseQuantity(quota.storage))) {
    report(['checkpoint', 'size'], `${job.checkpoint.size} exceeds the tenant's storage quota of ${quota.storage}; lower it or raise spec.quota.storage`);
  }
  checkNonRetryableExitCodes(job.nonRetryableExitCodes ?? [], report);
  if (job.startingDeadline !== undefined) {
    if (job.schedule === undefined) {
      report(['startingDeadline'], `${job.startingDeadline} is set, but the job has no schedule; remove startingDeadline, or add a schedule`);
    } else if (durationSeconds(job.startingDeadline) < MIN_STARTING_DEADLINE_SECONDS) {
      report(
        ['startingDeadline'],
        `${job.startingDeadline} is shorter than ${MIN_STARTING_DEADLINE_SECONDS}s: a run starts seconds after its time, later on a busy control plane, and would be skipped; write at least 1m`,
      );
    }
  }
  const storageClass = job.checkpoint?.storageClass ?? (distributed ? platform.spec.storage.sharedCheckpointClass : platform.spec.storage.checkpointClass);
  const { startingDeadline, ...props } = job;
  return {
    ...props,
    gpuType: resolveGpuType(platform, job.gpus, job.gpuType, report),
    priority: job.priority ?? tier,
    shmSize,
    ...(job.checkpoint && {
      checkpoint: { size: job.checkpoint.size, mountPath: job.checkpoint.mountPath, ...(storageClass !== undefined && { storageClass }) },
    }),
    maxRuntime: Duration.seconds(durationSeconds(job.maxRuntime)),
    ...(startingDeadline !== undefined && { startingDeadline: Duration.seconds(durationSeconds(startingDeadline)) }),
  };
}

/** Reports exit codes listed twice; the schema checked each code. */
function checkNonRetryableExitCodes(codes: readonly number[], report: Report): void {
  codes.forEach((code, index) => {
    const first = codes.indexOf(code);
    if (first !== index) report(['nonRetryableExitCodes', index], `${code} is already listed at nonRetryableExitCodes[${first}]; list each exit code once`);
  });
}

/** Reports liveness settings that would restart a busy replica before readiness takes it out of rotation. */
function checkLiveness(liveness: LivenessProbeOptions, report: Report): void {
  const periodSeconds = liveness.periodSeconds ?? LIVENESS_DEFAULTS.periodSeconds;
  const failureThreshold = liveness.failureThreshold ?? LIVENESS_DEFAULTS.failureThreshold;
  const seconds = probeFailureSeconds({ periodSeconds, failureThreshold });
  const readiness = probeFailureSeconds(READINESS_PROBE);
  if (seconds <= readiness) {
    const field = liveness.failureThreshold !== undefined ? 'failureThreshold' : 'periodSeconds';
    report(
      ['liveness', field],
      `restarts a replica after ${seconds} s of failed probes (failureThreshold ${failureThreshold} x periodSeconds ${periodSeconds}), no later than readiness takes it out of rotation (${readiness} s); raise liveness.failureThreshold or liveness.periodSeconds so that a busy replica is not restarted`,
    );
  }
}

function resolveModelService(
  platform: PlatformFile,
  tenant: string,
  quota: ResolvedQuota | undefined,
  limits: ResolvedLimits,
  service: ModelServiceEntry,
  report: Report,
): ModelServiceConfig {
  const { minReplicas, maxReplicas } = defaultReplicas(service.replicas.min, service.replicas.max);
  if (minReplicas > maxReplicas) {
    report(['replicas', 'min'], `min ${minReplicas} exceeds max ${maxReplicas}; lower min or raise max`);
  }
  checkImage(platform, service.image, report);
  checkAmounts(rolloutCount(maxReplicas, service.gpus), service, quota, limits, platform.spec.limits, report);
  if (service.liveness) checkLiveness(service.liveness, report);
  checkEnv(service.env, ['HOME'], report);
  const canary = service.canary && resolveCanary(platform, service, maxReplicas, quota, report);
  // An internal service's canary needs no route: callers of its Service reach both tracks (replica ratio).
  if (service.canary && service.expose.type === 'ingress' && platform.spec.exposure.mode === 'ingress') {
    report(
      ['canary'],
      'the service is public (expose.type: ingress) and the platform exposes public services in mode: ingress, whose Ingress cannot split traffic by weight (exposure.mode in the platform file); ask the platform team to use mode: gateway, make the service internal (expose.type: cluster), or remove canary',
    );
  }

  const requests = platform.spec.autoscaling.requests;
  if (service.targetRequestsPerReplica !== undefined && !requests) {
    report(
      ['targetRequestsPerReplica'],
      `${service.targetRequestsPerReplica} is set, but the platform does not scale on requests (autoscaling.requests in the platform file is not set); remove targetRequestsPerReplica, or ask the platform team to enable autoscaling.requests`,
    );
  }
  const targetRequestsPerReplica = requests ? (service.targetRequestsPerReplica ?? requests.defaultTarget) : undefined;

  let ingress: ModelServiceConfig['ingress'];
  if (service.expose.type === 'ingress') {
    const domain = platform.spec.exposure.domain;
    const host = service.expose.host ?? `${service.name}.${tenant}.${domain}`;
    if (!host.endsWith(`.${domain}`) || !DNS_NAME.test(host)) {
      report(['expose', 'host'], `"${host}" is not a host name under the platform domain ${domain}; use e.g. ${service.name}.${tenant}.${domain}`);
    }
    ingress = { host, path: service.expose.path };
  }
  const { replicas: _replicas, expose: _expose, canary: _canary, targetRequestsPerReplica: _target, ...props } = service;
  return {
    ...props,
    gpuType: resolveGpuType(platform, service.gpus, service.gpuType, report),
    minReplicas,
    maxReplicas,
    ...(service.liveness && { liveness: definedFields(service.liveness) }),
    ...(ingress && { ingress }),
    ...(canary && { canary }),
    ...(targetRequestsPerReplica !== undefined && { targetRequestsPerReplica }),
  };
}

/**
 * A service's canary with its replica bounds resolved, reporting an image that is not allowed or
 * is the stable one, bounds the wrong way round, and (without Kueue: with it, the serving
 * reserve grows instead) both tracks at their peak beyond the tenant's quota.
 */
function resolveCanary(
  platform: PlatformFile,
  service: ModelServiceEntry,
  maxReplicas: number,
  quota: ResolvedQuota | undefined,
  report: Report,
): NonNullable<ModelServiceConfig['canary']> | undefined {
  const canary = service.canary!;
  checkImage(platform, canary.image, report, ['canary', 'image']);
  if (canary.image === service.image) {
    report(
      ['canary', 'image'],
      `"${canary.image}" is the service's image: a canary of the same image has nothing to compare; give the canary the new image, or, to promote it, remove canary`,
    );
  }
  const replicas = defaultCanaryReplicas(maxReplicas, canary.weight, canary.replicas.min, canary.replicas.max);
  if (replicas.minReplicas > replicas.maxReplicas) {
    report(['canary', 'replicas', 'min'], `min ${replicas.minReplicas} exceeds max ${replicas.maxReplicas}; lower min or raise max`);
    return undefined;
  }
  const resolved = { image: canary.image, weight: canary.weight, ...replicas };
  if (quota) {
    const [stable, canaryPeak] = servingTrackPeaks({ ...service, name: service.name, maxReplicas, canary: resolved });
    const pods = stable.pods + canaryPeak.pods;
    const parts = `(${stable.maxReplicas} + ${ROLLOUT_MAX_SURGE}) + (${canaryPeak.maxReplicas} + ${ROLLOUT_MAX_SURGE}) replicas`;
    const over = (resource: ContainerResource) =>
      !exceeds(parseQuantity(service[resource]) * stable.pods, parseQuantity(quota[resource])) && exceeds(parseQuantity(service[resource]) * pods, parseQuantity(quota[resource]));
    // The max as given, or the default with its formula: a user who never wrote canary.replicas.max learns where 3 came from.
    const value =
      canary.replicas.max === undefined
        ? `${replicas.maxReplicas}, the default (canary.replicas.max is not set: ceil(stable max ${maxReplicas} x weight ${canary.weight} / 100) = ${Math.ceil((maxReplicas * canary.weight) / 100)}, at least canary.replicas.min ${replicas.minReplicas})`
        : String(replicas.maxReplicas);
    // The fix: the largest canary max that fits beside the stable track's peak (its pods in the quota, less the surge replica).
    const fix = (perReplica: number, available: number, field: string) => {
      const fitting = Math.floor(available / perReplica + 1e-9) - stable.pods - ROLLOUT_MAX_SURGE;
      const setMax = canary.replicas.max === undefined ? `set canary.replicas.max to ${fitting} or less` : `lower canary.replicas.max to ${fitting} or less`;
      return fitting >= replicas.minReplicas
        ? `${setMax}, lower replicas.max, or raise spec.quota.${field}`
        : `lower replicas.max, or raise spec.quota.${field} (the canary does not fit even at canary.replicas.min ${replicas.minReplicas})`;
    };
    for (const resource of CONTAINER_RESOURCES) {
      if (over(resource)) {
        report(
          ['canary', 'replicas', 'max'],
          `${value}: the stable track and the canary at their peak need ${pods} x ${service[resource]} of ${resource} (${parts}), more than the tenant's ${resource} quota of ${quota[resource]}; ${fix(parseQuantity(service[resource]), parseQuantity(quota[resource]), resource)}`,
        );
      }
    }
    if (service.gpus * stable.pods <= quota.gpu && service.gpus * pods > quota.gpu) {
      report(
        ['canary', 'replicas', 'max'],
        `${value}: the stable track and the canary at their peak need ${service.gpus * pods} GPUs (${parts}, x ${service.gpus}), more than the tenant's GPU quota of ${quota.gpu}; ${fix(service.gpus, quota.gpu, 'gpu')}`,
      );
    }
  }
  return resolved;
}
