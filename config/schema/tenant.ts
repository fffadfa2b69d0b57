/**
 * The tenant file (`tenants/<name>.yaml`, kind `Tenant`): the platform's
 * public API. Field names are stable; defaults that depend on the platform
 * (quota, limits, GPU type) are resolved later by `resolveTenant`.
 */
import { z } from 'zod';
import { PROMETHEUS_DURATION } from '../../lib/duration';
import { MAX_NON_RETRYABLE_EXIT_CODES, MIN_STARTING_DEADLINE_SECONDS, TRAINING_JOB_DEFAULTS } from '../../lib/gpu-training-job';
import { MODEL_SERVICE_DEFAULTS } from '../../lib/model-service';
import { LIVENESS_DEFAULTS } from '../../lib/serving-pod';
import { DEFAULT_ALERT_THRESHOLDS } from '../../lib/monitoring-stack';
import { parseImage, unpinnedReason } from '../../lib/image';
import {
  API_VERSION,
  DurationSchema,
  LabelsSchema,
  RESERVED_OBJECT_KEYS,
  SubjectSchema,
  cidrBlock,
  describeValue,
  dnsLabel,
  enumOf,
  fairSharingWeight,
  quantity,
  queueAmounts,
  wholeNumber,
  wholePercent,
  workloadName,
} from './common';
import { PolicyWaiversSchema } from './policy-waiver';

/** Longest tenant name: namespaces allow 63, and names derived from it need room. */
export const MAX_TENANT_NAME = 40;
/** Longest job or service name: leaves room for `-<index>` pod host names and CronJob suffixes. */
export const MAX_WORKLOAD_NAME = 40;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ImageSchema = z
  .string()
  .superRefine((image, ctx) => {
    const parsed = parseImage(image);
    if (!parsed) {
      ctx.addIssue({
        code: 'custom',
        message: `"${image}" is not a fully qualified image reference: write registry.example.com/team/name:1.2.3 or registry.example.com/team/name@sha256:<digest>`,
      });
      return;
    }
    const reason = unpinnedReason(parsed);
    if (reason) {
      ctx.addIssue({
        code: 'custom',
        message: `image "${image}" ${reason}: pin a version tag (name:1.2.3) or a digest (name@sha256:...) so that deployments are reproducible`,
      });
    }
  })
  .meta({ description: 'Container image with its registry and a pinned tag or digest, e.g. registry.example.com/vision/trainer:2.1.0.' });

const EnvSchema = z
  .record(
    z
      .string()
      .regex(ENV_NAME, {
        error: (issue) => `"${String(issue.input)}" is not a valid environment variable name (letters, digits and '_', not starting with a digit)`,
      })
      .refine((name) => !RESERVED_OBJECT_KEYS.includes(name), { error: (issue) => `"${String(issue.input)}" is reserved; choose another variable name` }),
    z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean value' }).transform(String),
  )
  .meta({ description: 'Environment variables, NAME: value.' });

const ResourceAmountsSchema = z
  .strictObject({
    cpu: quantity('CPU cores, e.g. 500m or 4.').optional(),
    memory: quantity('Memory, e.g. 512Mi or 16Gi.').optional(),
    ephemeralStorage: quantity('Local disk (ephemeral-storage), e.g. 1Gi.').optional(),
  })
  .meta({ description: 'CPU, memory and local disk amounts.' });

export const QuotaSchema = z
  .strictObject({
    cpu: quantity('Total CPU cores of all pods (requests.cpu and limits.cpu). @default the platform default').optional(),
    memory: quantity('Total memory of all pods (requests.memory and limits.memory). @default the platform default').optional(),
    gpu: wholeNumber(0, 'Total GPUs of all pods (requests.nvidia.com/gpu). @default the platform default').optional(),
    storage: quantity('Total requested persistent storage (requests.storage). @default the platform default').optional(),
    pods: wholeNumber(0, 'Maximum number of pods. @default the platform default').optional(),
    ephemeralStorage: quantity(
      'Total local disk of all containers (requests.ephemeral-storage and limits.ephemeral-storage): writable layers, logs and disk-backed emptyDir volumes such as /tmp. @default the platform default',
    ).optional(),
  })
  .meta({
    description:
      'ResourceQuota of the tenant namespace; every field defaults to the platform file. When the platform queues jobs through Kueue (queueing.kueue), cpu, memory, gpu and ephemeralStorage are the guarantee of batch work (ClusterQueue nominalQuota) and the ResourceQuota is that plus the borrowing limit plus the serving reserve of the model services.',
  });

export const LimitsSchema = z
  .strictObject({
    defaultRequest: ResourceAmountsSchema.optional().meta({ description: 'Requests given to containers that set none. @default the platform default' }),
    default: ResourceAmountsSchema.optional().meta({ description: 'Limits given to containers that set none. @default the platform default' }),
    max: ResourceAmountsSchema.optional().meta({ description: 'Largest limits a single container may have. @default the platform default' }),
  })
  .meta({ description: 'LimitRange for containers of the tenant namespace; every field defaults to the platform file.' });

export const NetworkSchema = z
  .strictObject({
    allowFrom: z
      .array(dnsLabel(63, 'a namespace name'))
      .default([])
      .meta({ description: 'Namespaces whose pods may reach this tenant’s pods.' }),
    egress: z
      .strictObject({
        allowCidrs: z
          .array(cidrBlock())
          .default([])
          .meta({ description: 'Address blocks the tenant’s pods may connect to; not link-local, not the cluster’s pod and Service ranges, and no wider than the platform’s minimum prefix length (use allowInternet for public addresses).' }),
        allowInternet: z
          .boolean()
          .default(false)
          .meta({ description: 'Allow connections to public addresses (private ranges and the cloud metadata address stay blocked).' }),
      })
      .default({ allowCidrs: [], allowInternet: false })
      .meta({ description: 'Egress beyond the namespace itself and DNS, which are always allowed.' }),
  })
  .default({ allowFrom: [], egress: { allowCidrs: [], allowInternet: false } })
  .meta({ description: 'Network access. The tenant always gets default-deny ingress and egress, traffic within its namespace, DNS, and scraping by the monitoring namespace.' });

export const TrainingJobSchema = z
  .strictObject({
    name: workloadName(MAX_WORKLOAD_NAME, 'a training job name').meta({ description: 'Job name; becomes metadata.name.' }),
    image: ImageSchema,
    command: z.array(z.string()).optional().meta({ description: 'Entrypoint. @default the image entrypoint' }),
    args: z.array(z.string()).optional().meta({ description: 'Arguments. @default the image arguments' }),
    env: EnvSchema.default({}),
    gpus: wholeNumber(0, `GPUs per worker. @default ${TRAINING_JOB_DEFAULTS.gpus}`).default(TRAINING_JOB_DEFAULTS.gpus),
    gpuType: z.string().optional().meta({ description: 'A GPU type of the platform file. @default the platform defaultGpuType' }),
    workers: wholeNumber(1, `Number of workers; more than one makes a distributed (Indexed) job. @default ${TRAINING_JOB_DEFAULTS.workers}`).default(TRAINING_JOB_DEFAULTS.workers),
    cpu: quantity(`CPU per worker (request and limit). @default ${TRAINING_JOB_DEFAULTS.cpu}`).default(TRAINING_JOB_DEFAULTS.cpu),
    memory: quantity(`Memory per worker (request and limit). @default ${TRAINING_JOB_DEFAULTS.memory}`).default(TRAINING_JOB_DEFAULTS.memory),
    shmSize: quantity('Size of /dev/shm (counts toward memory). @default half of memory').optional(),
    ephemeralStorage: quantity(
      `Local disk per worker (ephemeral-storage request and limit, and the size limit of /tmp); logs count toward it, and a worker that writes more is evicted. @default ${TRAINING_JOB_DEFAULTS.ephemeralStorage}`,
    ).default(TRAINING_JOB_DEFAULTS.ephemeralStorage),
    checkpoint: z
      .strictObject({
        size: quantity('Size of the checkpoint volume, e.g. 100Gi.'),
        storageClass: z.string().optional().meta({ description: 'StorageClass. @default the platform checkpoint storage class' }),
        mountPath: z
          .string()
          .regex(/^\/[^\0]*$/, { error: 'expected an absolute path' })
          .refine((mountPath) => !/^\/(tmp|dev|proc|sys)?(\/.*)?$/.test(mountPath.replace(/\/+$/, '') || '/'), {
            error: (issue) => `"${String(issue.input)}" is used by the platform or the system (/, /tmp, /dev, /proc, /sys); mount checkpoints elsewhere, e.g. /checkpoints`,
          })
          .default(TRAINING_JOB_DEFAULTS.checkpointMountPath)
          .meta({ description: `@default ${TRAINING_JOB_DEFAULTS.checkpointMountPath}` }),
      })
      .optional()
      .meta({ description: 'A persistent volume for checkpoints, kept across runs. @default no checkpoint volume' }),
    maxRuntime: DurationSchema.default(`${TRAINING_JOB_DEFAULTS.maxRuntimeHours}h`).meta({ description: `Deadline of one run (activeDeadlineSeconds). @default ${TRAINING_JOB_DEFAULTS.maxRuntimeHours}h` }),
    retries: wholeNumber(0, `Retries before the job fails (backoffLimit); a worker preempted or evicted by the cluster uses up none. @default ${TRAINING_JOB_DEFAULTS.retries}`).default(TRAINING_JOB_DEFAULTS.retries),
    nonRetryableExitCodes: z
      .array(wholeNumber(1, 'An exit code of the trainer.', 255))
      .min(1, { error: 'list at least one exit code, or leave the field out' })
      .max(MAX_NON_RETRYABLE_EXIT_CODES, { error: `list at most ${MAX_NON_RETRYABLE_EXIT_CODES} exit codes` })
      .optional()
      .meta({ description: 'Exit codes of the trainer that no retry can fix: the first worker that exits with one fails the job at once (podFailurePolicy FailJob). @default none: every failure is retried' }),
    metricsPort: wholeNumber(1, 'Port on which the trainer serves Prometheus metrics; the tenant PodMonitor scrapes it. @default no metrics port', 65535).optional(),
    schedule: z
      .string()
      .regex(/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/, {
        error: 'expected a cron schedule of five fields (e.g. "0 2 * * *") or @daily/@hourly/@weekly/@monthly',
      })
      .optional()
      .meta({ description: 'Cron schedule; makes a CronJob. @default run once' }),
    priority: enumOf(['critical', 'standard', 'batch'], 'Kueue priority of the job (its WorkloadPriorityClass mlp-<tier>): which pending job is admitted first and which running job a pending one may preempt; not above the tenant tier. @default the tenant tier').optional(),
    startingDeadline: DurationSchema.optional().meta({
      description: `Only with schedule: how late a missed run (the CronJob controller was down, or the previous run still going) may still start; later it is skipped (startingDeadlineSeconds). At least ${MIN_STARTING_DEADLINE_SECONDS}s. @default ${TRAINING_JOB_DEFAULTS.startingDeadlineMinutes}m`,
    }),
  })
  .meta({ description: 'A GPU training job.' });

export const ModelServiceSchema = z
  .strictObject({
    name: workloadName(MAX_WORKLOAD_NAME, 'a model service name').meta({ description: 'Service name; becomes metadata.name of the Deployment, Service, HPA and PDB.' }),
    image: ImageSchema,
    command: z.array(z.string()).optional().meta({ description: 'Entrypoint. @default the image entrypoint' }),
    args: z.array(z.string()).optional().meta({ description: 'Arguments. @default the image arguments' }),
    port: wholeNumber(1, `Port the server listens on. @default ${MODEL_SERVICE_DEFAULTS.port}`, 65535).default(MODEL_SERVICE_DEFAULTS.port),
    gpus: wholeNumber(0, `GPUs per replica. @default ${MODEL_SERVICE_DEFAULTS.gpus}`).default(MODEL_SERVICE_DEFAULTS.gpus),
    gpuType: z.string().optional().meta({ description: 'A GPU type of the platform file. @default the platform defaultGpuType' }),
    cpu: quantity(`CPU per replica (request and limit). @default ${MODEL_SERVICE_DEFAULTS.cpu}`).default(MODEL_SERVICE_DEFAULTS.cpu),
    memory: quantity(`Memory per replica (request and limit). @default ${MODEL_SERVICE_DEFAULTS.memory}`).default(MODEL_SERVICE_DEFAULTS.memory),
    ephemeralStorage: quantity(
      `Local disk per replica (ephemeral-storage request and limit, and the size limit of /tmp); logs count toward it, and a replica that writes more is evicted. @default ${MODEL_SERVICE_DEFAULTS.ephemeralStorage}`,
    ).default(MODEL_SERVICE_DEFAULTS.ephemeralStorage),
    replicas: z
      .strictObject({
        min: wholeNumber(1, 'Fewest replicas. @default 2, or max when max is smaller').optional(),
        max: wholeNumber(1, 'Most replicas. @default the larger of min and 4').optional(),
      })
      .default({})
      .meta({ description: 'Autoscaling bounds.' }),
    targetCpuUtilization: wholeNumber(1, `Average CPU utilization (% of request) the autoscaler aims for. @default ${MODEL_SERVICE_DEFAULTS.targetCpuUtilization}`, 100).default(MODEL_SERVICE_DEFAULTS.targetCpuUtilization),
    healthPath: z
      .string()
      .regex(/^\//, { error: 'expected a path starting with "/"' })
      .default(MODEL_SERVICE_DEFAULTS.healthPath)
      .meta({ description: `HTTP path of the startup and readiness probes, and of the liveness probe unless liveness.path is set. Readiness takes a replica out of rotation after 3 failed probes 10 s apart. @default ${MODEL_SERVICE_DEFAULTS.healthPath}` }),
    liveness: z
      .strictObject({
        path: z.string().regex(/^\//, { error: 'expected a path starting with "/"' }).optional().meta({ description: 'HTTP path of the liveness probe. @default the healthPath' }),
        periodSeconds: wholeNumber(1, `Seconds between two liveness probes. @default ${LIVENESS_DEFAULTS.periodSeconds}`).optional(),
        timeoutSeconds: wholeNumber(1, `Seconds after which an unanswered liveness probe fails. @default ${LIVENESS_DEFAULTS.timeoutSeconds}`).optional(),
        failureThreshold: wholeNumber(1, `Failed liveness probes in a row after which the replica is restarted. @default ${LIVENESS_DEFAULTS.failureThreshold}`).optional(),
      })
      .optional()
      .meta({
        description:
          'The liveness probe, which restarts a replica whose server stopped answering; failureThreshold x periodSeconds must exceed the 30 s after which readiness takes the replica out of rotation. @default healthPath, every 30 s, 10 s timeout, restart after 4 failures in a row',
      }),
    env: EnvSchema.default({}),
    metricsPort: wholeNumber(1, 'Port of the Prometheus metrics endpoint. @default the serving port', 65535).optional(),
    metricsPath: z.string().regex(/^\//, { error: 'expected a path starting with "/"' }).default(MODEL_SERVICE_DEFAULTS.metricsPath).meta({ description: `HTTP path of the Prometheus metrics endpoint. @default ${MODEL_SERVICE_DEFAULTS.metricsPath}` }),
    targetRequestsPerReplica: z
      .number({ error: (issue) => `expected a number of requests above 0, got ${describeValue(issue.input)}` })
      .gt(0, { error: (issue) => `expected a number of requests above 0, got ${describeValue(issue.input)}` })
      .optional()
      .meta({
        description:
          "Requests per replica the autoscaler aims for: in flight, or per second, as the platform's autoscaling.requests.metric says; only where the platform scales on requests. @default the platform's autoscaling.requests.defaultTarget",
      }),
    canary: z
      .strictObject({
        image: ImageSchema.meta({ description: 'Image of the canary, pinned, from an allowed registry; not the stable image.' }),
        weight: wholePercent('requests', 'Percent of the route requests the canary gets (the stable track gets the rest), a whole number from 0 to 100.'),
        replicas: z
          .strictObject({
            min: wholeNumber(1, 'Fewest canary replicas. @default 1').optional(),
            max: wholeNumber(1, 'Most canary replicas. @default the stable max x weight / 100, rounded up, at least min').optional(),
          })
          .default({})
          .meta({ description: 'Autoscaling bounds of the canary.' }),
      })
      .optional()
      .meta({
        description:
          'A canary: <service>-canary (Deployment, Service, autoscaler, PDB) runs this image, and the route sends it weight percent of the requests. Promote by setting image to the canary image and removing canary. @default no canary',
      }),
    expose: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('cluster') }),
        z.strictObject({
          type: z.literal('ingress'),
          host: z.string().optional().meta({ description: 'Host name under the platform domain (spec.exposure.domain of the platform file). @default <service>.<tenant>.<domain>' }),
          path: z.string().regex(/^\//, { error: 'expected a path starting with "/"' }).default('/').meta({ description: '@default /' }),
        }),
      ], { error: 'expected type: cluster or type: ingress' })
      .default({ type: 'cluster' })
      .meta({ description: 'cluster: reachable inside the cluster only; ingress: also public over HTTPS, through the platform Gateway or Ingress controller (the platform file\'s spec.exposure.mode). @default {type: cluster}' }),
  })
  .meta({ description: 'An autoscaled model server.' });

const prometheusDuration = (description: string) =>
  z.string().regex(PROMETHEUS_DURATION, { error: 'expected a Prometheus duration such as 30m, 1h or 1h30m (units from largest to smallest)' }).meta({ description });
const percentage = (description: string) =>
  z
    .number({ error: (issue) => `expected a percentage above 0 and at most 100, got ${String(issue.input)}` })
    .gt(0, { error: (issue) => `expected a percentage above 0 and at most 100, got ${String(issue.input)}` })
    .max(100, { error: (issue) => `expected a percentage above 0 and at most 100, got ${String(issue.input)}` })
    .meta({ description });

export const MonitoringSchema = z
  .strictObject({
    gpuIdlePercent: percentage(`GPU utilization below which a GPU counts as idle. @default ${DEFAULT_ALERT_THRESHOLDS.gpuIdlePercent}`).optional(),
    gpuIdleFor: prometheusDuration(`How long GPUs stay idle before TenantGpuIdle fires. @default ${DEFAULT_ALERT_THRESHOLDS.gpuIdleFor}`).optional(),
    quotaWarningPercent: percentage(`Share of a quota at which TenantQuotaAlmostFull fires. @default ${DEFAULT_ALERT_THRESHOLDS.quotaWarningPercent}`).optional(),
    errorRatePercent: percentage(`Share of failed requests at which ModelServiceErrorRateHigh fires. @default ${DEFAULT_ALERT_THRESHOLDS.errorRatePercent}`).optional(),
    latencyP99Seconds: z
      .number()
      .gt(0, { error: (issue) => `expected a number of seconds above 0, got ${describeValue(issue.input)}` })
      .optional()
      .meta({ description: `99th percentile request latency at which ModelServiceLatencyHigh fires. @default ${DEFAULT_ALERT_THRESHOLDS.latencyP99Seconds}` }),
    maxReplicasFor: prometheusDuration(`How long a model service may run at replicas.max before ModelServiceAtMaxReplicas fires. @default ${DEFAULT_ALERT_THRESHOLDS.maxReplicasFor}`).optional(),
    canaryErrorMarginPercent: percentage(
      `Percentage points by which a canary's share of failed requests must exceed the stable track's before ModelServiceCanaryErrorRateHigh fires. @default ${DEFAULT_ALERT_THRESHOLDS.canaryErrorMarginPercent}`,
    ).optional(),
    canaryMinRequestsPerSecond: z
      .number()
      .gt(0, { error: (issue) => `expected requests per second above 0, got ${describeValue(issue.input)}` })
      .optional()
      .meta({ description: `Requests per second a canary must serve before ModelServiceCanaryErrorRateHigh judges its error ratio. @default ${DEFAULT_ALERT_THRESHOLDS.canaryMinRequestsPerSecond}` }),
  })
  .default({})
  .meta({ description: 'Alert thresholds. Every tenant gets every alert, a ServiceMonitor per model service, a PodMonitor for training pods and a dashboard.' });

export const TenantQueueingSchema = z
  .strictObject({
    borrowingLimit: queueAmounts('borrow beyond its guarantee', "@default the platform's queueing.defaults.borrowingLimit").optional().meta({
      description: 'How much the tenant may borrow beyond its guarantee (spec.quota) from idle quota of other tenants, per resource; GPUs per GPU type. @default the platform\'s queueing.defaults.borrowingLimit',
    }),
    lendingLimit: queueAmounts('lend of its guarantee', "@default the platform's queueing.defaults.lendingLimit, else all of it").optional().meta({
      description: 'How much of its idle guarantee the tenant may lend to other tenants, per resource; at most the guarantee. @default the platform\'s queueing.defaults.lendingLimit',
    }),
    fairSharingWeight: fairSharingWeight("Share of idle quota the tenant gets, relative to other tenants, when Kueue's fair sharing is on. @default the platform's queueing.defaults.fairSharingWeight").optional(),
    gpuGuarantee: z
      .record(dnsLabel(63, 'a GPU type name'), wholeNumber(0, 'Guaranteed GPUs of this type.'))
      .optional()
      .meta({
        description:
          'Split of spec.quota.gpu over the platform GPU types (keys: gpuTypes of the platform file); must sum to spec.quota.gpu. @default - all of spec.quota.gpu on the one GPU type the training jobs use, or on the platform defaultGpuType when they use none',
      }),
  })
  .default({})
  .meta({ description: 'Queueing of the training jobs through Kueue, when the platform has it on: spec.quota is then the guaranteed quota of batch work; model services get a serving reserve on top.' });

export const TenantSpecSchema = z
  .strictObject({
    costCenter: z.string().min(1).max(63).regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
      error: 'expected a cost center usable as a label value: letters, digits, "-", "_" and ".", at most 63 characters',
    }).meta({ description: 'Cost center charged for the tenant; becomes the mlp.io/cost-center label.' }),
    owners: z.array(SubjectSchema).min(1, { error: 'a tenant needs at least one owner' }).meta({ description: 'Subjects bound to the admin ClusterRole in the tenant namespace.' }),
    members: z.array(SubjectSchema).default([]).meta({ description: 'Subjects bound to the edit ClusterRole in the tenant namespace.' }),
    viewers: z.array(SubjectSchema).default([]).meta({ description: 'Subjects bound to the view ClusterRole in the tenant namespace.' }),
    tier: z.enum(['critical', 'standard', 'batch'], {
      error: (issue) => `expected one of critical, standard, batch, got ${describeValue(issue.input)}`,
    }).default('standard').meta({ description: 'Scheduling priority of the tenant’s pods. @default standard' }),
    quota: QuotaSchema.default({}),
    queueing: TenantQueueingSchema,
    limits: LimitsSchema.default({}),
    network: NetworkSchema,
    trainingJobs: z.array(TrainingJobSchema).default([]),
    modelServices: z.array(ModelServiceSchema).default([]),
    policyWaivers: PolicyWaiversSchema,
    monitoring: MonitoringSchema,
  })
  .meta({ description: 'What the tenant gets.' });

export const TenantFileSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: `expected apiVersion: ${API_VERSION}` }),
    kind: z.literal('Tenant', { error: 'expected kind: Tenant' }),
    metadata: z.strictObject({
      name: dnsLabel(MAX_TENANT_NAME, 'a tenant name').meta({ description: 'Tenant name; becomes the namespace name and must equal the file name.' }),
      labels: LabelsSchema.default({}).meta({ description: 'Extra labels put on every object of the tenant (not under platform-owned prefixes).' }),
    }),
    spec: TenantSpecSchema,
  })
  .meta({ title: 'Tenant', description: 'One ML team on the platform.' });

/** A tenant file after parsing, with platform-independent defaults applied. */
export type TenantFile = z.output<typeof TenantFileSchema>;
export type TrainingJobEntry = z.output<typeof TrainingJobSchema>;
export type ModelServiceEntry = z.output<typeof ModelServiceSchema>;
