import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ContainerSize, GpuPlacement, containerResources, gpuScheduling } from './gpu-placement';
import { COMPONENT_LABEL, DATA_LABEL, NAME_LABEL, TIERS, Tier } from './labels';
import { DNS1035_LABEL } from './names';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { exceeds, formatBytes, isQuantity, parseQuantity } from './quantity';
import { PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL, tierAbove, workloadPriorityClassName } from './queueing';
import { MIN_EPHEMERAL_STORAGE, TenantNamespace } from './tenant-namespace';
import { TenantQueue } from './tenant-queue';

/** A persistent volume for checkpoints, kept across runs and job replacements. */
export interface CheckpointVolume {
  /** Size of the volume, e.g. `100Gi`. */
  readonly size: string;
  /**
   * StorageClass of the volume. Distributed jobs need one that offers ReadWriteMany.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * Where the volume is mounted; also exported as `CHECKPOINT_DIR`.
   * @default '/checkpoints'
   */
  readonly mountPath?: string;
}

export interface GpuTrainingJobProps {
  /** The tenant the job belongs to; the job runs in its namespace. */
  readonly tenant: TenantNamespace;
  /** Container image with a pinned tag or digest. */
  readonly image: string;
  /**
   * Entrypoint.
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Arguments.
   * @default - the image's arguments
   */
  readonly args?: readonly string[];
  /**
   * Environment variables. Names the platform sets (`MASTER_ADDR`, `WORLD_SIZE`, ...) are refused.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * GPUs per worker.
   * @default 1
   */
  readonly gpus?: number;
  /**
   * Nodes the workers run on.
   * @default - no node selection; GPUs are requested as nvidia.com/gpu
   */
  readonly gpuType?: GpuPlacement;
  /**
   * Number of workers. More than one makes an Indexed Job whose workers find
   * each other through a headless Service, with torchrun's environment set.
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode
   */
  readonly workers?: number;
  /**
   * CPU of each worker (request and limit).
   * @default '4'
   */
  readonly cpu?: string;
  /**
   * Memory of each worker (request and limit).
   * @default '16Gi'
   */
  readonly memory?: string;
  /**
   * Size of the memory-backed /dev/shm; it counts toward memory.
   * @default - half of memory
   */
  readonly shmSize?: string;
  /**
   * Local disk of each worker: the request and limit of `ephemeral-storage` of the trainer
   * and the size limit of its /tmp (also HOME, so caches land there). The trainer's logs count
   * toward it too. The kubelet evicts a worker that writes more, and that failure counts
   * toward `retries`.
   * @default '50Gi'
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   */
  readonly ephemeralStorage?: string;
  /**
   * A persistent checkpoint volume.
   * @default - none
   */
  readonly checkpoint?: CheckpointVolume;
  /**
   * Deadline of one run, after which Kubernetes stops it (activeDeadlineSeconds).
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;
  /**
   * Retries before the job counts as failed (backoffLimit).
   * @default 2
   */
  readonly retries?: number;
  /**
   * Exit codes of the trainer that no retry can fix (a bad configuration, a missing dataset):
   * the first worker that exits with one fails the whole Job at once, whatever `retries` is
   * (a `FailJob` rule of the Job's podFailurePolicy). Whole numbers from 1 to 255.
   * @default - none: every failure is retried, up to `retries`
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy
   */
  readonly nonRetryableExitCodes?: readonly number[];
  /**
   * How long a finished job and its pods are kept for their logs (ttlSecondsAfterFinished).
   * @default Duration.days(1)
   */
  readonly keepFinishedFor?: Duration;
  /**
   * Cron schedule; makes a CronJob that never runs two instances at once.
   * @default - the job runs once
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
   */
  readonly schedule?: string;
  /**
   * How late a scheduled run may still start when its time was missed, because the CronJob
   * controller was down or the previous run was still going (startingDeadlineSeconds); a run
   * missed by more is skipped, so that a nightly job never starts at an arbitrary hour. Only
   * with `schedule`; at least {@link MIN_STARTING_DEADLINE_SECONDS} seconds.
   * @default Duration.hours(1)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#job-creation
   */
  readonly startingDeadline?: Duration;
  /**
   * Port of torchrun's rendezvous on worker 0.
   * @default 29500
   */
  readonly masterPort?: number;
  /**
   * Port on which the trainer serves Prometheus metrics, as container port
   * `metrics`; the tenant's PodMonitor scrapes it.
   * @default - no metrics port
   */
  readonly metricsPort?: number;
  /**
   * The tenant's Kueue queue. The Job (each Job of a CronJob) carries the labels
   * `kueue.x-k8s.io/queue-name` and `kueue.x-k8s.io/priority-class`, so that Kueue admits it
   * when the queue has room for all its workers at once. The manifests never set `suspend`:
   * Kueue's webhook suspends the Job at creation, and without a Kueue manager it simply runs.
   * @default - not queued: the Job starts when it is created
   * @see https://kueue.sigs.k8s.io/docs/tasks/run/jobs/
   */
  readonly queue?: TenantQueue;
  /**
   * Kueue priority of the job: its WorkloadPriorityClass (`mlp-<tier>`), which decides which
   * pending job of the queue is admitted first and which admitted job a pending one may
   * preempt. Only with `queue`; not above the tenant's tier.
   * @default - the tenant's tier
   * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
   */
  readonly priority?: Tier;
  /**
   * Image with `sh` and `nslookup` for the init step of distributed jobs
   * that waits until worker 0's name resolves. Required when workers > 1.
   * @default - none
   */
  readonly waitImage?: string;
}

/**
 * Environment variable of distributed jobs that holds the name of the Job the
 * pod belongs to: the job's own name for a one-off Job, `<name>-<timestamp>`
 * for a Job that a CronJob created.
 */
export const JOB_NAME_ENV = 'MLP_JOB_NAME';

/**
 * Label the Job controller puts on every pod of a Job (Kubernetes 1.27 and
 * later), whose value is the Job's name.
 * @see https://kubernetes.io/docs/reference/labels-annotations-taints/#batch-kubernetes-io-job-name
 */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** Environment variables a distributed job sets for torchrun. */
export const DISTRIBUTED_ENV = [
  JOB_NAME_ENV,
  'MASTER_ADDR',
  'MASTER_PORT',
  'WORLD_SIZE',
  'NNODES',
  'NPROC_PER_NODE',
  'NODE_RANK',
  'PET_MASTER_ADDR',
  'PET_MASTER_PORT',
  'PET_NNODES',
  'PET_NPROC_PER_NODE',
  'PET_NODE_RANK',
] as const;

/**
 * Defaults of {@link GpuTrainingJobProps}: the one source of them, which the
 * tenant file schema and its resolution import.
 */
export const TRAINING_JOB_DEFAULTS = {
  gpus: 1,
  workers: 1,
  cpu: '4',
  memory: '16Gi',
  /** Deadline of one run, in hours. */
  maxRuntimeHours: 24,
  retries: 2,
  /** Port of torchrun's rendezvous on worker 0 of a distributed job. */
  masterPort: 29500,
  checkpointMountPath: '/checkpoints',
  /**
   * Local disk of a worker: room for the pip, Triton and torch.compile caches, a downloaded
   * model of about 20B parameters in bf16, and staged dataset shards.
   */
  ephemeralStorage: '50Gi',
  /** How late a missed scheduled run may start, in minutes. */
  startingDeadlineMinutes: 60,
} as const;

/** Shortest startingDeadline: a run starts seconds after its time, later on a busy control plane. */
export const MIN_STARTING_DEADLINE_SECONDS = 60;

/** Most exit codes in one podFailurePolicy rule (the API server's limit). */
export const MAX_NON_RETRYABLE_EXIT_CODES = 255;

/** The init step that waits for worker 0's name: a shell loop that writes only its log. */
const WAIT_CONTAINER_SIZE: ContainerSize = { cpu: '50m', memory: '32Mi', ephemeralStorage: MIN_EPHEMERAL_STORAGE };

/** The pod condition the control plane sets on a pod it disrupts (preemption, eviction, drain, node loss). */
export const DISRUPTION_TARGET = 'DisruptionTarget';

/** Size of the memory-backed /dev/shm when shmSize is not set: half of the worker's memory (in bytes). */
export function defaultShmSize(memoryBytes: number): string {
  return formatBytes(memoryBytes / 2);
}

/** Environment variables every training job sets. */
export const PLATFORM_ENV = ['CHECKPOINT_DIR', 'HOME'] as const;


/**
 * A GPU training job in a tenant namespace. The construct id is the job name.
 *
 * One worker makes a `batch/v1` Job. More workers make an Indexed Job with
 * `completions = parallelism = workers`, a headless Service so that each
 * worker resolves as `<Job name>-<index>.<job>.<namespace>.svc`, torchrun's
 * variables (`MASTER_ADDR` is worker 0) and an init step that waits until
 * worker 0's name resolves. A schedule makes a CronJob instead, whose Jobs
 * are named `<job>-<timestamp>`: pods therefore read their Job's name from
 * the `batch.kubernetes.io/job-name` label (Kubernetes 1.27 and later) into
 * `MLP_JOB_NAME`, and `MASTER_ADDR` is built from it, for one-off and
 * scheduled jobs alike.
 *
 * Pods run as non-root with every capability dropped, request their GPUs,
 * CPU and memory as equal requests and limits, mount a memory-backed
 * /dev/shm and, optionally, a checkpoint volume that outlives the job.
 * The construct writes no deployment-tool annotation: the Pulumi program
 * (stacks/pulumi) tells Pulumi not to wait for a Job to finish.
 */
export class GpuTrainingJob extends Construct {
  /** The job name (the construct id). */
  public readonly name: string;
  /** GPUs per worker. */
  public readonly gpus: number;
  /** Number of workers. */
  public readonly workers: number;
  /** CPU per worker. */
  public readonly cpu: string;
  /** Memory per worker. */
  public readonly memory: string;
  /** Local disk (ephemeral-storage) per worker. */
  public readonly ephemeralStorage: string;
  /** Labels that select the job's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** The checkpoint claim, when the job has one. */
  public readonly checkpointClaim?: k8s.KubePersistentVolumeClaim;
  /** The Kueue priority of the job. */
  public readonly priority: Tier;
  /** The labels that submit the Job to its queue; empty when it is not queued. */
  public readonly queueLabels: Readonly<Record<string, string>>;

  private readonly tenant: TenantNamespace;

  public constructor(scope: Construct, id: string, props: GpuTrainingJobProps) {
    super(scope, id);
    this.name = id;
    this.tenant = props.tenant;
    this.gpus = props.gpus ?? TRAINING_JOB_DEFAULTS.gpus;
    this.workers = props.workers ?? TRAINING_JOB_DEFAULTS.workers;
    this.cpu = props.cpu ?? TRAINING_JOB_DEFAULTS.cpu;
    this.memory = props.memory ?? TRAINING_JOB_DEFAULTS.memory;
    this.ephemeralStorage = props.ephemeralStorage ?? TRAINING_JOB_DEFAULTS.ephemeralStorage;
    const shmSize = props.shmSize ?? defaultShmSize(parseQuantityOrThrow(this.name, 'memory', this.memory));
    const maxRuntime = props.maxRuntime ?? Duration.hours(TRAINING_JOB_DEFAULTS.maxRuntimeHours);
    const retries = props.retries ?? TRAINING_JOB_DEFAULTS.retries;
    const keepFinishedFor = props.keepFinishedFor ?? Duration.days(1);
    const masterPort = props.masterPort ?? TRAINING_JOB_DEFAULTS.masterPort;
    const startingDeadline = props.startingDeadline ?? Duration.minutes(TRAINING_JOB_DEFAULTS.startingDeadlineMinutes);
    const nonRetryableExitCodes = [...(props.nonRetryableExitCodes ?? [])].sort((a, b) => a - b);
    const distributed = this.workers > 1;
    this.priority = props.priority ?? this.tenant.tier;
    validateProps(this, props, shmSize, retries, masterPort);
    this.queueLabels = props.queue
      ? { [QUEUE_NAME_LABEL]: props.queue.localQueueName, [PRIORITY_CLASS_LABEL]: workloadPriorityClassName(this.priority) }
      : {};

    this.selectorLabels = { [NAME_LABEL]: this.name, [COMPONENT_LABEL]: 'training' };
    const podLabels = { ...this.tenant.labels, ...this.selectorLabels };

    const volumes: k8s.Volume[] = [
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(shmSize) } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(this.ephemeralStorage) } },
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const env: k8s.EnvVar[] = Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value }));
    env.push({ name: 'HOME', value: '/tmp' });

    if (props.checkpoint) {
      const mountPath = props.checkpoint.mountPath ?? TRAINING_JOB_DEFAULTS.checkpointMountPath;
      this.checkpointClaim = new k8s.KubePersistentVolumeClaim(this, 'checkpoints', {
        metadata: this.tenant.objectMetadata(`${this.name}-checkpoints`, { ...this.selectorLabels, [DATA_LABEL]: 'checkpoint' }),
        spec: {
          accessModes: [distributed ? 'ReadWriteMany' : 'ReadWriteOnce'],
          resources: { requests: { storage: k8s.Quantity.fromString(props.checkpoint.size) } },
          ...(props.checkpoint.storageClass !== undefined && { storageClassName: props.checkpoint.storageClass }),
        },
      });
      this.tenant.claimName(this.checkpointClaim, 'GpuTrainingJob');
      volumes.push({ name: 'checkpoints', persistentVolumeClaim: { claimName: `${this.name}-checkpoints` } });
      mounts.push({ name: 'checkpoints', mountPath });
      env.push({ name: 'CHECKPOINT_DIR', value: mountPath });
    }

    const initContainers: k8s.Container[] = [];
    let subdomain: string | undefined;
    if (distributed) {
      subdomain = this.name;
      // Worker 0's host name is `<Job name>-0`, and the Job name is known only at run time: a CronJob
      // names its Jobs `<name>-<timestamp>`. The pod reads it from its job-name label, and the kubelet
      // expands `$(MLP_JOB_NAME)` in the variables defined after it.
      const jobName: k8s.EnvVar = { name: JOB_NAME_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } };
      const masterAddr = `$(${JOB_NAME_ENV})-0.${subdomain}.${this.tenant.name}.svc`;
      const nprocPerNode = Math.max(this.gpus, 1);
      const workers = new k8s.KubeService(this, 'workers', {
        metadata: this.tenant.objectMetadata(subdomain, this.selectorLabels),
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: { ...this.selectorLabels },
          ports: [{ name: 'rendezvous', port: masterPort, targetPort: k8s.IntOrString.fromNumber(masterPort) }],
        },
      });
      this.tenant.claimName(workers, 'GpuTrainingJob');
      const rank: k8s.EnvVarSource = {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      };
      env.push(
        jobName,
        { name: 'MASTER_ADDR', value: masterAddr },
        { name: 'MASTER_PORT', value: String(masterPort) },
        { name: 'NNODES', value: String(this.workers) },
        { name: 'NPROC_PER_NODE', value: String(nprocPerNode) },
        { name: 'WORLD_SIZE', value: String(this.workers * nprocPerNode) },
        { name: 'NODE_RANK', valueFrom: rank },
        { name: 'PET_MASTER_ADDR', value: masterAddr },
        { name: 'PET_MASTER_PORT', value: String(masterPort) },
        { name: 'PET_NNODES', value: String(this.workers) },
        { name: 'PET_NPROC_PER_NODE', value: String(nprocPerNode) },
        { name: 'PET_NODE_RANK', valueFrom: rank },
      );
      initContainers.push({
        name: 'wait-for-master',
        image: props.waitImage!,
        command: [
          'sh',
          '-c',
          'until nslookup "$MASTER_ADDR" > /dev/null 2>&1; do echo "waiting for $MASTER_ADDR to resolve"; sleep 2; done',
        ],
        env: [jobName, { name: 'MASTER_ADDR', value: masterAddr }],
        resources: containerResources(WAIT_CONTAINER_SIZE, 0, undefined),
        securityContext: restrictedContainerSecurityContext(),
      });
    }

    const ports: k8s.ContainerPort[] = [
      ...(distributed ? [{ name: 'rendezvous', containerPort: masterPort }] : []),
      ...(props.metricsPort !== undefined ? [{ name: 'metrics', containerPort: props.metricsPort }] : []),
    ];
    const podSpec: k8s.PodSpec = {
      restartPolicy: 'Never',
      serviceAccountName: this.tenant.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      priorityClassName: this.tenant.priorityClassName,
      securityContext: restrictedPodSecurityContext(),
      ...gpuScheduling(this.gpus, props.gpuType),
      ...(subdomain !== undefined && { subdomain }),
      ...(initContainers.length > 0 && { initContainers }),
      containers: [
        {
          name: 'trainer',
          image: props.image,
          ...(props.command && { command: [...props.command] }),
          ...(props.args && { args: [...props.args] }),
          env,
          ...(ports.length > 0 && { ports }),
          resources: containerResources(this, this.gpus, props.gpuType),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: mounts,
        },
      ],
      volumes,
    };

    const jobSpec: k8s.JobSpec = {
      backoffLimit: retries,
      podFailurePolicy: podFailurePolicy(nonRetryableExitCodes),
      activeDeadlineSeconds: maxRuntime.toSeconds(),
      ttlSecondsAfterFinished: keepFinishedFor.toSeconds(),
      ...(distributed && { completionMode: 'Indexed', completions: this.workers, parallelism: this.workers }),
      template: { metadata: { labels: podLabels }, spec: podSpec },
    };

    if (props.schedule !== undefined) {
      const cronjob = new k8s.KubeCronJob(this, 'cronjob', {
        metadata: this.tenant.objectMetadata(this.name, this.selectorLabels),
        spec: {
          schedule: props.schedule,
          startingDeadlineSeconds: startingDeadline.toSeconds(),
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: { ...podLabels, ...this.queueLabels } },
            spec: jobSpec,
          },
        },
      });
      this.tenant.claimName(cronjob, 'GpuTrainingJob');
    } else {
      const job = new k8s.KubeJob(this, 'job', {
        metadata: this.tenant.objectMetadata(this.name, { ...this.selectorLabels, ...this.queueLabels }),
        spec: jobSpec,
      });
      this.tenant.claimName(job, 'GpuTrainingJob');
    }
  }
}

/**
 * How the Job counts a failed worker. A worker the cluster disrupted (preempted, evicted by
 * node pressure or the Eviction API, its node drained, tainted or lost: the pod condition
 * DisruptionTarget) is replaced without using up a retry; the rule comes first so that a
 * disrupted trainer that exits with a listed code is not taken for a hopeless one. A worker
 * whose trainer exits with a non-retryable code fails the Job at once. Evictions for exceeding
 * the pod's own ephemeral-storage or /tmp limit carry no DisruptionTarget and count as failures.
 * The Job controller then replaces a failed pod only once it has fully terminated.
 */
function podFailurePolicy(nonRetryableExitCodes: readonly number[]): k8s.PodFailurePolicy {
  const rules: k8s.PodFailurePolicyRule[] = [{ action: 'Ignore', onPodConditions: [{ type: DISRUPTION_TARGET, status: 'True' }] }];
  if (nonRetryableExitCodes.length > 0) {
    // A rule has onExitCodes or onPodConditions, not both. The generated 1.28 types mark
    // onPodConditions required, which Kubernetes corrected (kubernetes/kubernetes#120204).
    rules.push({
      action: 'FailJob',
      onExitCodes: { containerName: 'trainer', operator: 'In', values: [...nonRetryableExitCodes] },
    } as k8s.PodFailurePolicyRule);
  }
  return { rules };
}

function parseQuantityOrThrow(job: string, prop: string, value: string): number {
  if (!isQuantity(value)) {
    throw new Error(`GpuTrainingJob ${job}: ${prop} "${value}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
  }
  return parseQuantity(value);
}

function validateProps(job: GpuTrainingJob, props: GpuTrainingJobProps, shmSize: string, retries: number, masterPort: number): void {
  const where = `GpuTrainingJob ${job.name}`;
  if (!DNS1035_LABEL.test(job.name) || job.name.length > 52) {
    throw new Error(`${where}: the id is the job name and must be lowercase letters, digits and '-', starting with a letter, at most 52 characters`);
  }
  if (!TIERS.includes(job.priority)) {
    throw new Error(`${where}: priority "${job.priority}" is not one of ${TIERS.join(', ')}`);
  }
  if (tierAbove(job.priority, props.tenant.tier)) {
    throw new Error(`${where}: priority ${job.priority} is above the tier of tenant ${props.tenant.name} (${props.tenant.tier}); use ${props.tenant.tier} or lower`);
  }
  if (props.queue) {
    if (props.queue.tenant !== props.tenant) {
      throw new Error(`${where}: queue is the TenantQueue of tenant ${props.queue.tenant.name}, not of ${props.tenant.name}; pass the job's own tenant's queue`);
    }
    const gpuType = props.gpuType?.name;
    if (job.gpus > 0 && gpuType !== undefined && !props.queue.gpuTypes.some((type) => type.name === gpuType)) {
      throw new Error(`${where}: GPU type "${gpuType}" has no flavor in the queue of tenant ${props.tenant.name} (${props.queue.gpuTypes.map((type) => type.name).join(', ') || 'none'}); Kueue could never admit the job: add the type to the queue's gpuTypes`);
    }
  }
  for (const [prop, value] of [
    ['gpus', job.gpus],
    ['retries', retries],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${where}: ${prop} must be a whole number >= 0, got ${value}`);
    }
  }
  if (!Number.isInteger(job.workers) || job.workers < 1) {
    throw new Error(`${where}: workers must be a whole number >= 1, got ${job.workers}`);
  }
  if (
    props.metricsPort !== undefined &&
    (!Number.isInteger(props.metricsPort) || props.metricsPort < 1 || props.metricsPort > 65535 || (job.workers > 1 && props.metricsPort === masterPort))
  ) {
    throw new Error(`${where}: metricsPort must be a port number (1-65535), and not masterPort ${masterPort} in a distributed job, got ${props.metricsPort}`);
  }
  if (!Number.isInteger(masterPort) || masterPort < 1 || masterPort > 65535) {
    throw new Error(`${where}: masterPort must be a port number (1-65535), got ${masterPort}`);
  }
  parseQuantityOrThrow(job.name, 'cpu', job.cpu);
  if (exceeds(parseQuantity(MIN_EPHEMERAL_STORAGE), parseQuantityOrThrow(job.name, 'ephemeralStorage', job.ephemeralStorage))) {
    throw new Error(`${where}: ephemeralStorage ${job.ephemeralStorage} is less than ${MIN_EPHEMERAL_STORAGE}, the least a container needs for its logs; raise it`);
  }
  const codes = props.nonRetryableExitCodes ?? [];
  if (codes.length > MAX_NON_RETRYABLE_EXIT_CODES) {
    throw new Error(`${where}: nonRetryableExitCodes lists ${codes.length} codes, more than the ${MAX_NON_RETRYABLE_EXIT_CODES} a Job allows; list each code once`);
  }
  codes.forEach((code, index) => {
    if (!Number.isInteger(code) || code < 1 || code > 255) {
      throw new Error(`${where}: nonRetryableExitCodes[${index}] must be an exit code from 1 to 255, got ${code}`);
    }
    if (codes.indexOf(code) !== index) {
      throw new Error(`${where}: nonRetryableExitCodes[${index}]: ${code} is listed twice; list it once`);
    }
  });
  if (props.startingDeadline !== undefined) {
    if (props.schedule === undefined) {
      throw new Error(`${where}: startingDeadline is set but the job has no schedule; remove it, or add a schedule`);
    }
    const seconds = props.startingDeadline.toSeconds();
    if (seconds < MIN_STARTING_DEADLINE_SECONDS) {
      throw new Error(`${where}: startingDeadline must be at least ${MIN_STARTING_DEADLINE_SECONDS} s, got ${seconds} s; a shorter deadline skips runs that start a little late`);
    }
  }
  if (exceeds(parseQuantityOrThrow(job.name, 'shmSize', shmSize), parseQuantity(job.memory))) {
    throw new Error(`${where}: shmSize ${shmSize} exceeds memory ${job.memory}; /dev/shm counts toward memory, so lower shmSize or raise memory`);
  }
  if (props.checkpoint) parseQuantityOrThrow(job.name, 'checkpoint.size', props.checkpoint.size);
  if (job.workers > 1 && props.waitImage === undefined) {
    throw new Error(`${where}: waitImage is required when workers > 1 (an image with sh and nslookup, such as busybox)`);
  }
  const reserved = new Set<string>([...PLATFORM_ENV, ...(job.workers > 1 ? DISTRIBUTED_ENV : [])]);
  for (const name of Object.keys(props.env ?? {})) {
    if (reserved.has(name)) {
      throw new Error(`${where}: env ${name} is set by the platform; remove it from env`);
    }
  }
}
