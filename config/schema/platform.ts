/**
 * The platform file (`platform.yaml`, kind `Platform`): cluster-wide settings
 * that every tenant uses.
 */
import { z } from 'zod';
import { DEFAULT_POD_CIDRS, DEFAULT_SERVICE_CIDRS, parseCidr } from '../../lib/cidr';
import { PROMETHEUS_DURATION } from '../../lib/duration';
import { CLUSTER_ISSUER_ANNOTATION, EXPOSURE_DEFAULTS, EXPOSURE_MODES } from '../../lib/exposure';
import { DNS_NAME } from '../../lib/names';
import { DEFAULT_GPU_RESOURCE, EPHEMERAL_STORAGE_DEFAULTS } from '../../lib/tenant-namespace';
import { PROMETHEUS_DEFAULTS } from '../../lib/platform-monitoring';
import {
  BORROW_WITHIN_COHORT_POLICIES,
  DEFAULT_FLAVOR,
  QUEUEING_DEFAULTS,
  QUEUEING_STRATEGIES,
  QueuePreemption,
  RECLAIM_WITHIN_COHORT_POLICIES,
  WITHIN_CLUSTER_QUEUE_POLICIES,
} from '../../lib/queueing';
import { Tier } from '../../lib/labels';
import { REQUEST_METRIC_KINDS } from '../../lib/serving-track';
import { API_VERSION, LabelsSchema, cidrBlock, describeValue, dnsLabel, dnsSubdomain, enumOf, fairSharingWeight, quantity, queueAmounts, queueAmountsWithDefaults, wholeNumber } from './common';

const TolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).default('Equal'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: wholeNumber(0, 'Seconds a NoExecute taint is tolerated.').optional(),
});

/** Kueue v0.19.2's ResourceFlavor CRD: nodeLabels maxProperties and tolerations maxItems. */
const RESOURCE_FLAVOR_MAX_NODE_LABELS = 8;
const RESOURCE_FLAVOR_MAX_TOLERATIONS = 8;

export const GpuTypeSchema = z
  .strictObject({
    nodeSelector: LabelsSchema.refine((labels) => Object.keys(labels).length <= RESOURCE_FLAVOR_MAX_NODE_LABELS, {
      error: (issue) =>
        `${Object.keys(issue.input as object).length} node labels, but Kueue's ResourceFlavor (named like the GPU type, its nodeLabels = this nodeSelector) holds at most ${RESOURCE_FLAVOR_MAX_NODE_LABELS}; select the nodes with at most ${RESOURCE_FLAVOR_MAX_NODE_LABELS} labels`,
    }).meta({ description: `Node labels that select nodes with this GPU; at most ${RESOURCE_FLAVOR_MAX_NODE_LABELS} (the nodeLabels of its Kueue ResourceFlavor).` }),
    tolerations: z
      .array(TolerationSchema)
      .max(RESOURCE_FLAVOR_MAX_TOLERATIONS, {
        error: (issue) =>
          `${(issue.input as unknown[]).length} tolerations, but Kueue's ResourceFlavor (named like the GPU type, its tolerations = these) holds at most ${RESOURCE_FLAVOR_MAX_TOLERATIONS}; merge tolerations (operator: Exists without value tolerates every value of a key) to at most ${RESOURCE_FLAVOR_MAX_TOLERATIONS}`,
      })
      .default([])
      .meta({ description: `Tolerations for the taints of those nodes; at most ${RESOURCE_FLAVOR_MAX_TOLERATIONS} (the tolerations of its Kueue ResourceFlavor).` }),
    hourlyPrice: z.number().nonnegative().meta({ description: 'Price of one GPU for one hour, in the currency of pricing.' }),
    resourceName: z.string().default(DEFAULT_GPU_RESOURCE).meta({ description: `Extended resource name. @default ${DEFAULT_GPU_RESOURCE}` }),
  })
  .meta({ description: 'A GPU type tenants can ask for.' });

/** CPU, memory and local disk of containers; `kind` names the LimitRange field, for the default of ephemeralStorage. */
const amountsSchema = (kind: keyof typeof EPHEMERAL_STORAGE_DEFAULTS.limits) =>
  z.strictObject({
    cpu: quantity('CPU cores.'),
    memory: quantity('Memory.'),
    ephemeralStorage: quantity(`Local disk (ephemeral-storage). @default ${EPHEMERAL_STORAGE_DEFAULTS.limits[kind]}`).default(EPHEMERAL_STORAGE_DEFAULTS.limits[kind]),
  });

const TierSchema = z.strictObject({
  value: z.int().meta({ description: 'PriorityClass value; higher schedules first and may preempt lower.' }),
  preemption: z.boolean().default(true).meta({ description: 'Whether pods of this tier may preempt lower tiers. @default true' }),
});

/** A CIDR block of the platform file, written canonically (no host bits, IPv4 as IPv4). */
const canonicalCidr = () =>
  cidrBlock().refine((text) => parseCidr(text)?.canonical === text, {
    error: (issue) => `${describeValue(issue.input)} is not written canonically; write ${parseCidr(String(issue.input))?.canonical ?? 'the block'}`,
  });

/** Egress defaults: the widest allowCidrs block a tenant may list. */
export const DEFAULT_MIN_PREFIX_LENGTH = { ipv4: 8, ipv6: 32 } as const;

export const PlatformNetworkSchema = z
  .strictObject({
    podCidrs: z
      .array(canonicalCidr())
      .min(1, { error: 'list at least one pod range' })
      .default([...DEFAULT_POD_CIDRS])
      .meta({ description: 'Address ranges of the cluster’s pods (the cluster CIDR); tenant egress blocks may not overlap them. @default [10.244.0.0/16]' }),
    serviceCidrs: z
      .array(canonicalCidr())
      .min(1, { error: 'list at least one Service range' })
      .default([...DEFAULT_SERVICE_CIDRS])
      .meta({ description: 'Address ranges of the cluster’s Services (--service-cluster-ip-range); tenant egress blocks may not overlap them. @default [10.96.0.0/12]' }),
    egress: z
      .strictObject({
        minPrefixLength: z
          .strictObject({
            ipv4: wholeNumber(1, 'Shortest IPv4 prefix of an allowCidrs block (8: at most a /8). @default 8', 32).default(DEFAULT_MIN_PREFIX_LENGTH.ipv4),
            ipv6: wholeNumber(1, 'Shortest IPv6 prefix of an allowCidrs block (32: at most a /32). @default 32', 128).default(DEFAULT_MIN_PREFIX_LENGTH.ipv6),
          })
          .default({ ...DEFAULT_MIN_PREFIX_LENGTH })
          .meta({ description: 'The widest block a tenant may open by CIDR; wider egress is allowInternet’s job.' }),
      })
      .default({ minPrefixLength: { ...DEFAULT_MIN_PREFIX_LENGTH } })
      .meta({ description: 'Checks of tenant egress blocks.' }),
  })
  .default({ podCidrs: [...DEFAULT_POD_CIDRS], serviceCidrs: [...DEFAULT_SERVICE_CIDRS], egress: { minPrefixLength: { ...DEFAULT_MIN_PREFIX_LENGTH } } })
  .meta({ description: 'The cluster’s address ranges and egress checks.' });

/** Bounds on the amounts tenant files may ask for, by default. */
export const DEFAULT_AMOUNT_LIMITS = {
  quota: { cpu: '10000', memory: '100Ti', gpu: 1024, storage: '1Pi', pods: 10000, ephemeralStorage: '1Pi' },
  container: { cpu: '1024', memory: '32Ti', minMemory: '16Mi', ephemeralStorage: '64Ti' },
} as const;

export const PlatformLimitsSchema = z
  .strictObject({
    quota: z
      .strictObject({
        cpu: quantity('Largest spec.quota.cpu of a tenant. @default 10000').default(DEFAULT_AMOUNT_LIMITS.quota.cpu),
        memory: quantity('Largest spec.quota.memory of a tenant. @default 100Ti').default(DEFAULT_AMOUNT_LIMITS.quota.memory),
        gpu: wholeNumber(0, 'Largest spec.quota.gpu of a tenant. @default 1024').default(DEFAULT_AMOUNT_LIMITS.quota.gpu),
        storage: quantity('Largest spec.quota.storage of a tenant. @default 1Pi').default(DEFAULT_AMOUNT_LIMITS.quota.storage),
        pods: wholeNumber(0, 'Largest spec.quota.pods of a tenant. @default 10000').default(DEFAULT_AMOUNT_LIMITS.quota.pods),
        ephemeralStorage: quantity(`Largest spec.quota.ephemeralStorage of a tenant. @default ${DEFAULT_AMOUNT_LIMITS.quota.ephemeralStorage}`).default(
          DEFAULT_AMOUNT_LIMITS.quota.ephemeralStorage,
        ),
      })
      .default({ ...DEFAULT_AMOUNT_LIMITS.quota })
      .meta({ description: 'Largest quota a tenant may have, field by field; also bounds defaults.quota.' }),
    container: z
      .strictObject({
        cpu: quantity('Largest CPU of one container (tenant limits and workloads). @default 1024').default(DEFAULT_AMOUNT_LIMITS.container.cpu),
        memory: quantity('Largest memory of one container (tenant limits and workloads). @default 32Ti').default(DEFAULT_AMOUNT_LIMITS.container.memory),
        minMemory: quantity('Smallest memory of one container; container runtimes refuse to start containers below 6 to 12 MiB. @default 16Mi').default(DEFAULT_AMOUNT_LIMITS.container.minMemory),
        ephemeralStorage: quantity(
          `Largest local disk (ephemeral-storage) of one container (tenant limits and workloads). @default ${DEFAULT_AMOUNT_LIMITS.container.ephemeralStorage}`,
        ).default(DEFAULT_AMOUNT_LIMITS.container.ephemeralStorage),
      })
      .default({ ...DEFAULT_AMOUNT_LIMITS.container })
      .meta({ description: 'Bounds on the CPU, memory and local disk of one container; also bound defaults.limits.' }),
  })
  .default({ quota: { ...DEFAULT_AMOUNT_LIMITS.quota }, container: { ...DEFAULT_AMOUNT_LIMITS.container } })
  .meta({ description: 'Bounds on the amounts tenant files may ask for.' });

const preemptionSchema = (tier: Tier) => {
  const defaults: QueuePreemption = QUEUEING_DEFAULTS.preemption[tier];
  return z
    .strictObject({
      withinClusterQueue: enumOf(
        WITHIN_CLUSTER_QUEUE_POLICIES,
        `Whether a pending ${tier}-tier job may preempt jobs of its own tenant's queue (Kueue preemption.withinClusterQueue). @default ${defaults.withinClusterQueue}`,
      ).default(defaults.withinClusterQueue),
      reclaimWithinCohort: enumOf(
        RECLAIM_WITHIN_COHORT_POLICIES,
        `Whether a pending ${tier}-tier job that fits its tenant's guarantee may preempt other tenants' jobs running on GPUs they borrowed from it (Kueue preemption.reclaimWithinCohort). @default ${defaults.reclaimWithinCohort}`,
      ).default(defaults.reclaimWithinCohort),
      borrowWithinCohort: enumOf(
        BORROW_WITHIN_COHORT_POLICIES,
        `Whether a pending ${tier}-tier job that needs to borrow may preempt lower-priority jobs of other tenants (Kueue preemption.borrowWithinCohort.policy). @default ${defaults.borrowWithinCohort}`,
      ).default(defaults.borrowWithinCohort),
    })
    .superRefine((preemption, ctx) => {
      // The one rule of Kueue v0.19.2's ClusterQueue CRD on spec.preemption (x-kubernetes-validations).
      if (preemption.reclaimWithinCohort === 'Never' && preemption.borrowWithinCohort !== 'Never') {
        ctx.addIssue({
          code: 'custom',
          path: ['borrowWithinCohort'],
          message: `Kueue's ClusterQueue refuses reclaimWithinCohort: Never with borrowWithinCohort: ${preemption.borrowWithinCohort} (${tier} tier): a queue that may not preempt to take back its own quota may not preempt to borrow either; set borrowWithinCohort: Never, or reclaimWithinCohort: LowerPriority or Any`,
        });
      }
    })
    .default({ ...defaults })
    .meta({ description: `Preemption of the queues of ${tier}-tier tenants (reclaimWithinCohort: Never requires borrowWithinCohort: Never, as Kueue's ClusterQueue does).` });
};

export const PlatformQueueingSchema = z
  .strictObject({
    kueue: z
      .boolean()
      .default(QUEUEING_DEFAULTS.kueue)
      .meta({ description: `Queue training jobs through Kueue: a ClusterQueue and a LocalQueue per tenant, quota as guarantee plus borrowing; false for clusters without Kueue (every tenant quota is a plain ResourceQuota). @default ${QUEUEING_DEFAULTS.kueue}` }),
    cohort: dnsLabel(63, 'a cohort name')
      .default(QUEUEING_DEFAULTS.cohort)
      .meta({ description: `Cohort (cohortName) of every tenant ClusterQueue: the tenants that lend and borrow among each other. @default ${QUEUEING_DEFAULTS.cohort}` }),
    queueingStrategy: enumOf(QUEUEING_STRATEGIES, `Order of the pending jobs of a tenant: BestEffortFIFO lets a smaller job that fits start before an older one that does not; StrictFIFO does not. @default ${QUEUEING_DEFAULTS.queueingStrategy}`).default(
      QUEUEING_DEFAULTS.queueingStrategy,
    ),
    defaults: z
      .strictObject({
        borrowingLimit: queueAmountsWithDefaults('borrow beyond its guarantee', QUEUEING_DEFAULTS.borrowingLimit)
          .default({ ...QUEUEING_DEFAULTS.borrowingLimit })
          .meta({ description: 'How much a tenant may borrow beyond its guarantee (spec.quota), per resource; GPUs per GPU type. @default 0 of everything' }),
        lendingLimit: queueAmounts('lend of its guarantee', '@default - all of it')
          .default({})
          .meta({ description: 'How much of its guarantee a tenant may lend, per resource; a resource left out may be lent whole. @default - all of it' }),
        fairSharingWeight: fairSharingWeight(`Fair-sharing weight of a tenant queue. @default ${QUEUEING_DEFAULTS.fairSharingWeight}`).default(QUEUEING_DEFAULTS.fairSharingWeight),
      })
      .default({ borrowingLimit: { ...QUEUEING_DEFAULTS.borrowingLimit }, lendingLimit: {}, fairSharingWeight: QUEUEING_DEFAULTS.fairSharingWeight })
      .meta({ description: 'Queueing settings of tenants that set none.' }),
    preemption: z
      .strictObject({
        critical: preemptionSchema('critical'),
        standard: preemptionSchema('standard'),
        batch: preemptionSchema('batch'),
      })
      .default({
        critical: { ...QUEUEING_DEFAULTS.preemption.critical },
        standard: { ...QUEUEING_DEFAULTS.preemption.standard },
        batch: { ...QUEUEING_DEFAULTS.preemption.batch },
      })
      .meta({ description: 'Preemption rules of a tenant queue, by the tenant tier.' }),
  })
  .default({
    kueue: QUEUEING_DEFAULTS.kueue,
    cohort: QUEUEING_DEFAULTS.cohort,
    queueingStrategy: QUEUEING_DEFAULTS.queueingStrategy,
    defaults: { borrowingLimit: { ...QUEUEING_DEFAULTS.borrowingLimit }, lendingLimit: {}, fairSharingWeight: QUEUEING_DEFAULTS.fairSharingWeight },
    preemption: {
      critical: { ...QUEUEING_DEFAULTS.preemption.critical },
      standard: { ...QUEUEING_DEFAULTS.preemption.standard },
      batch: { ...QUEUEING_DEFAULTS.preemption.batch },
    },
  })
  .meta({ description: 'Queueing of training jobs through Kueue (v0.19, kueue.x-k8s.io/v1beta2): guaranteed, borrowable and lent quota per tenant, priorities and preemption by tier.' });

/** The error of a platform file that still has the old `spec.ingress`. */
export const INGRESS_REPLACED = 'spec.ingress was replaced by spec.exposure: {domain, mode: ingress, ingress: {className, namespace, tls}}; see docs/exposure.md';

const listenerName = (description: string, fallback: string) =>
  dnsLabel(63, 'a listener name (the sectionName of a Gateway listener)').default(fallback).meta({ description: `${description} @default ${fallback}` });

const IngressTlsSchema = z
  .strictObject({
    secretName: dnsSubdomain('a Secret name').optional().meta({ description: 'TLS Secret of that name in each tenant namespace (Ingress TLS secrets are namespace-local).' }),
    clusterIssuer: dnsSubdomain('a cert-manager ClusterIssuer name')
      .optional()
      .meta({ description: `cert-manager ClusterIssuer: the annotation ${CLUSTER_ISSUER_ANNOTATION} on each Ingress, the certificate in the Secret <service>-tls.` }),
  })
  .superRefine((tls, ctx) => {
    if ((tls.secretName === undefined) === (tls.clusterIssuer === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one of secretName (a TLS Secret in each tenant namespace) and clusterIssuer (cert-manager), got ${tls.secretName === undefined ? 'neither' : 'both'}`,
      });
    }
  })
  .meta({ description: 'Certificate of the tenant Ingresses: exactly one of secretName and clusterIssuer.' });

const ExposureSchema = z
  .strictObject({
    domain: z
      .string()
      .regex(DNS_NAME, { error: 'expected a DNS domain such as ml.example.com' })
      .meta({ description: 'Domain under which tenant hosts live.' }),
    mode: enumOf(EXPOSURE_MODES, 'How public services are exposed: gateway (a Gateway API HTTPRoute on the platform Gateway) or ingress (an Ingress). @default gateway').default('gateway'),
    gateway: z
      .strictObject({
        name: dnsLabel(63, 'a Gateway name').meta({ description: 'Name of the parent Gateway (cluster infrastructure; the platform does not create it).' }),
        namespace: dnsLabel(63, 'a namespace name').meta({ description: 'Namespace of the parent Gateway.' }),
        httpsListener: listenerName('sectionName of the Gateway\'s HTTPS listener; it must admit routes from tenant namespaces.', EXPOSURE_DEFAULTS.httpsListener),
        httpListener: listenerName('sectionName of the Gateway\'s plain HTTP listener; used only with allowPlainHttp: true, and an error without it.', EXPOSURE_DEFAULTS.httpListener),
        proxyNamespace: dnsLabel(63, 'a namespace name')
          .optional()
          .meta({ description: "Namespace of the gateway's proxy pods, let in by the NetworkPolicies of exposed services. @default the Gateway's namespace" }),
      })
      .optional()
      .meta({ description: 'The parent Gateway; required when mode is gateway.' }),
    ingress: z
      .strictObject({
        className: z.string().min(1).default(EXPOSURE_DEFAULTS.ingressClassName).meta({ description: `IngressClass of tenant ingresses. @default ${EXPOSURE_DEFAULTS.ingressClassName}` }),
        namespace: dnsLabel(63, 'a namespace name')
          .default(EXPOSURE_DEFAULTS.ingressNamespace)
          .meta({ description: `Namespace of the ingress controller. @default ${EXPOSURE_DEFAULTS.ingressNamespace}` }),
        tls: IngressTlsSchema.optional(),
      })
      .optional()
      .meta({ description: 'The Ingress controller; required when mode is ingress.' }),
    allowPlainHttp: z
      .boolean()
      .default(EXPOSURE_DEFAULTS.allowPlainHttp)
      .meta({ description: 'Also serve public services over plain HTTP (the Gateway\'s HTTP listener, or an Ingress without tls). @default false' }),
  })
  .superRefine((exposure, ctx) => {
    const other = exposure.mode === 'gateway' ? 'ingress' : 'gateway';
    if (exposure[exposure.mode] === undefined) {
      const what = exposure.mode === 'gateway' ? '{name, namespace} of the parent Gateway' : '{className, namespace, tls} of the Ingress controller';
      ctx.addIssue({ code: 'custom', path: [exposure.mode], message: `is required when mode is ${exposure.mode}: ${what}; see docs/exposure.md` });
    }
    if (exposure[other] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [other], message: `is used only when mode is ${other}, and mode is ${exposure.mode}; remove ${other}, or set mode: ${other}` });
    }
    if (exposure.mode === 'ingress' && exposure.ingress !== undefined && exposure.ingress.tls === undefined && !exposure.allowPlainHttp) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingress', 'tls'],
        message: 'is required: public services are HTTPS only; set tls.secretName (a TLS Secret in each tenant namespace) or tls.clusterIssuer (cert-manager), or allowPlainHttp: true',
      });
    }
  })
  .meta({ description: 'How public model services are exposed (docs/exposure.md): HTTPS through the Gateway API or an Ingress controller.' });

/**
 * `gateway.httpListener` as written, before its default: the listener is used only with
 * `allowPlainHttp: true`, so a file that names it without that would have it silently ignored.
 * The schema's default hides whether it was written, so the raw input is checked here.
 */
function checkPlainHttpListener(exposure: unknown, ctx: z.RefinementCtx): unknown {
  const record = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
  const listener = record(record(exposure)?.gateway)?.httpListener;
  if (listener !== undefined && record(exposure)?.allowPlainHttp !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['gateway', 'httpListener'],
      message: `${describeValue(listener)} is used only with allowPlainHttp: true, and public services are HTTPS only without it; remove httpListener, or set spec.exposure.allowPlainHttp: true to also serve plain HTTP on that listener`,
    });
  }
  return exposure;
}

/**
 * An old platform file's `spec.ingress` without `spec.exposure`: the one
 * error at spec.ingress (INGRESS_REPLACED, from the `ingress` field below)
 * says what replaces it. A valid stand-in exposure keeps a second error
 * ("spec.exposure: is required") away while the file's other fields are
 * still checked; the file is refused either way, so it never escapes.
 */
function withoutMissingExposure(spec: unknown): unknown {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || !('ingress' in spec) || 'exposure' in spec) return spec;
  return { ...spec, exposure: { domain: 'replaced.example.com', mode: 'ingress', ingress: {}, allowPlainHttp: true } };
}

export const PlatformSpecSchema = z.strictObject({
  gpuTypes: z
    .record(dnsLabel(63, 'a GPU type name'), GpuTypeSchema)
    .refine((types) => Object.keys(types).length > 0, { error: 'define at least one GPU type' })
    .superRefine((types, ctx) => {
      if (Object.hasOwn(types, DEFAULT_FLAVOR)) {
        ctx.addIssue({
          code: 'custom',
          path: [DEFAULT_FLAVOR],
          message: `"${DEFAULT_FLAVOR}" is the name of the queue's ResourceFlavor for CPU, memory and local disk; give the GPU type another name`,
        });
      }
    })
    .meta({ description: `GPU types by name (not "${DEFAULT_FLAVOR}": the ResourceFlavor of CPU and memory has that name).` }),
  defaultGpuType: z.string().meta({ description: 'The GPU type used where a tenant names none.' }),
  pricing: z
    .strictObject({
      currency: z.string().default('USD').meta({ description: '@default USD' }),
      cpuCoreHour: z.number().nonnegative(),
      memoryGiBHour: z.number().nonnegative(),
      storageGiBMonth: z.number().nonnegative(),
    })
    .meta({ description: 'Prices for cost reports.' }),
  allowedRegistries: z
    .array(z.string().min(1))
    .min(1, { error: 'list at least one registry' })
    .meta({ description: 'Registries (host or host/path prefix) images may come from.' }),
  utilityImage: z
    .string()
    .meta({ description: 'Small image with a shell and nslookup (e.g. busybox) used by init steps, from an allowed registry.' }),
  defaults: z
    .strictObject({
      quota: z.strictObject({
        cpu: quantity('CPU cores.'),
        memory: quantity('Memory.'),
        gpu: wholeNumber(0, 'GPUs.'),
        storage: quantity('Persistent storage.'),
        pods: wholeNumber(0, 'Pods.'),
        ephemeralStorage: quantity(`Local disk (ephemeral-storage) of all containers. @default ${EPHEMERAL_STORAGE_DEFAULTS.quota}`).default(EPHEMERAL_STORAGE_DEFAULTS.quota),
      }),
      limits: z.strictObject({
        defaultRequest: amountsSchema('defaultRequest'),
        default: amountsSchema('default'),
        max: amountsSchema('max'),
      }),
    })
    .meta({ description: 'Quota and limits for tenants that set none.' }),
  limits: PlatformLimitsSchema,
  network: PlatformNetworkSchema,
  tiers: z
    .strictObject({
      critical: TierSchema.default({ value: 100000, preemption: true }),
      standard: TierSchema.default({ value: 10000, preemption: true }),
      batch: TierSchema.default({ value: 1000, preemption: false }),
    })
    .default({
      critical: { value: 100000, preemption: true },
      standard: { value: 10000, preemption: true },
      batch: { value: 1000, preemption: false },
    })
    .meta({ description: 'PriorityClass values of the tenant tiers.' }),
  monitoring: z
    .strictObject({
      namespace: dnsLabel(63, 'a namespace name').default('monitoring').meta({ description: 'Namespace of Prometheus and the dashboards; tenants let it scrape them. @default monitoring' }),
      instance: dnsLabel(63, 'a Prometheus instance name')
        .default('ml-platform')
        .meta({ description: 'Name of the Prometheus instance; tenant monitors and rules carry the label mlp.io/prometheus with it, and the Prometheus selects by it. @default ml-platform' }),
      runbookBaseUrl: z
        .string()
        .regex(/^https?:\/\/\S+$/, { error: 'expected an http(s) URL' })
        .meta({ description: 'Base URL of the alert runbooks; each alert links to <base>#<alert name in lower case>.' }),
      gpuNamespaceLabel: z
        .enum(['namespace', 'exported_namespace'])
        .default('namespace')
        .meta({ description: 'Label of the DCGM exporter series that names the pod namespace (exported_namespace when the exporter labels are not honoured). @default namespace' }),
      requestMetrics: z
        .strictObject({
          requestsTotal: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).default('http_requests_total'),
          errorMatcher: z.string().default('code=~"5.."'),
          durationBucket: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).default('http_request_duration_seconds_bucket'),
          requestsInFlight: z
            .string()
            .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
            .default('http_requests_in_flight')
            .meta({ description: 'Gauge of the requests a server is handling; what autoscaling.requests with metric inFlight scales on. @default http_requests_in_flight' }),
        })
        .default({ requestsTotal: 'http_requests_total', errorMatcher: 'code=~"5.."', durationBucket: 'http_request_duration_seconds_bucket', requestsInFlight: 'http_requests_in_flight' })
        .meta({ description: 'Series of the model servers request metrics used by alerts and dashboards.' }),
      prometheus: z
        .strictObject({
          enabled: z.boolean().default(true).meta({ description: 'Emit the monitoring namespace and a prometheus-operator Prometheus that selects tenant monitors and rules. @default true' }),
          replicas: wholeNumber(1, 'Prometheus replicas. @default 1').default(1),
          retention: z.string().regex(PROMETHEUS_DURATION, { error: 'expected a Prometheus duration such as 15d' }).default('15d'),
          ephemeralStorage: quantity(
            `Local disk of each Prometheus replica: the size limit of its data volume (an emptyDir) and its ephemeral-storage request and limit; Prometheus deletes its oldest data beyond ${PROMETHEUS_DEFAULTS.retentionSizePercent}% of it (retentionSize). @default ${PROMETHEUS_DEFAULTS.ephemeralStorage}`,
          ).default(PROMETHEUS_DEFAULTS.ephemeralStorage),
        })
        .default({ enabled: true, replicas: 1, retention: '15d', ephemeralStorage: PROMETHEUS_DEFAULTS.ephemeralStorage }),
    })
    .meta({ description: 'Monitoring settings.' }),
  exposure: z.preprocess(checkPlainHttpListener, ExposureSchema),
  ingress: z.never({ error: INGRESS_REPLACED }).optional().meta({ description: `Removed: ${INGRESS_REPLACED}.` }),
  autoscaling: z
    .strictObject({
      requests: z
        .strictObject({
          engine: enumOf(['keda'], 'What scales on requests: KEDA (a ScaledObject per model service and canary; KEDA creates the HPA). @default keda').default('keda'),
          prometheusAddress: z
            .string()
            .regex(/^https?:\/\/\S+$/, { error: 'expected an http(s) URL such as http://prometheus-operated.monitoring.svc:9090' })
            .optional()
            .meta({ description: 'URL of the Prometheus that KEDA queries. @default http://prometheus-operated.<monitoring.namespace>.svc:9090' }),
          metric: enumOf(
            REQUEST_METRIC_KINDS,
            'inFlight: the gauge monitoring.requestMetrics.requestsInFlight; perSecond: the rate of monitoring.requestMetrics.requestsTotal. @default inFlight',
          ).default('inFlight'),
          defaultTarget: z
            .number({ error: (issue) => `expected a number of requests above 0, got ${describeValue(issue.input)}` })
            .gt(0, { error: (issue) => `expected a number of requests above 0, got ${describeValue(issue.input)}` })
            .meta({ description: 'Requests per replica a model service aims for when it sets no targetRequestsPerReplica.' }),
        })
        .optional()
        .meta({ description: 'Scale model services on request load, read from Prometheus, with CPU beside it. @default - absent: every model service scales on CPU (a HorizontalPodAutoscaler)' }),
    })
    .default({})
    .meta({ description: 'How model services scale.' }),
  dns: z
    .strictObject({
      namespace: dnsLabel(63, 'a namespace name').default('kube-system'),
      podLabels: LabelsSchema.default({ 'k8s-app': 'kube-dns' }),
    })
    .default({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } })
    .meta({ description: 'Where cluster DNS runs, for the DNS egress rule.' }),
  guardrails: z
    .strictObject({
      enabled: z.boolean().default(true).meta({ description: 'Emit the ValidatingAdmissionPolicies that hold the tenant boundary on the API server (Kubernetes 1.30+). @default true' }),
      deployerGroups: z
        .array(z.string().min(1))
        .default(['mlp:deployers'])
        .meta({ description: 'Groups of the identities that deploy the platform (besides system:masters); only they may change platform-owned objects in tenant namespaces. @default [mlp:deployers]' }),
    })
    .default({ enabled: true, deployerGroups: ['mlp:deployers'] })
    .meta({ description: 'Admission policies for tenant namespaces.' }),
  storage: z
    .strictObject({
      checkpointClass: z.string().optional().meta({ description: 'StorageClass of single-worker checkpoint volumes. @default the cluster default' }),
      sharedCheckpointClass: z.string().optional().meta({ description: 'ReadWriteMany StorageClass of distributed checkpoint volumes. @default the cluster default' }),
    })
    .default({}),
  queueing: PlatformQueueingSchema,
});

export const PlatformFileSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `expected apiVersion: ${API_VERSION}` }),
    kind: z.literal('Platform', { error: 'expected kind: Platform' }),
    metadata: z.strictObject({ name: dnsLabel(63, 'a platform name') }),
    spec: z.preprocess(withoutMissingExposure, PlatformSpecSchema),
  })
  .meta({ title: 'Platform', description: 'Cluster-wide settings of the ML platform.' });

export type PlatformFile = z.output<typeof PlatformFileSchema>;
/** The resolved `spec.exposure` of a platform file. */
export type PlatformExposure = PlatformFile['spec']['exposure'];

/**
 * The namespaces whose pods reach exposed services (the Gateway's and its
 * proxy's, or the Ingress controller's): no tenant may take their names.
 */
export function exposureNamespaces(exposure: PlatformExposure): string[] {
  if (exposure.mode === 'ingress') return exposure.ingress ? [exposure.ingress.namespace] : [];
  return exposure.gateway ? [...new Set([exposure.gateway.namespace, exposure.gateway.proxyNamespace ?? exposure.gateway.namespace])] : [];
}
