/**
 * What deploying a change does beyond updating objects in place, as a
 * reviewer must know before approving it: Jobs that Pulumi replaces or
 * deletes (stopping a training run that may hold dozens of GPUs), CronJobs
 * whose next runs change, and removals or replacements of protected objects
 * that `pulumi up` refuses (docs/deploy.md).
 *
 * Kubernetes refuses in-place changes of a Job's `spec.template`,
 * `spec.selector`, `spec.completionMode`, `spec.podFailurePolicy`,
 * `spec.backoffLimitPerIndex` and `spec.managedBy`, and of `spec.completions`
 * except for an Indexed Job whose completions and parallelism change
 * together (ValidateJobSpecUpdate in k8s.io/kubernetes pkg/apis/batch/validation);
 * Pulumi then deletes the Job and creates it again. A CronJob changes in
 * place: only Jobs it starts later use the new template.
 *
 * Kueue (v0.19.2, pkg/controller/core/clusterqueue_controller.go) does not
 * evict the workloads of a deleted ClusterQueue: it marks the queue
 * terminating, admits nothing more from it, and removes its finalizer
 * `kueue.x-k8s.io/resource-in-use` once no admitted workload holds its quota.
 * Pulumi's Kubernetes provider waits for a deleted custom resource to be gone
 * (await.Deletion, 10 minutes unless the resource sets another timeout).
 */
import { FieldChange } from './object-diff';
import { isCheckpointVolume, isProtectedTenantObject } from '../stacks/protected-objects';
import { PLATFORM_DIR } from '../stacks/synth';
import { KubeObject } from '../policy/kube-object';
import { compareNames } from '../lib/names';
import { isQuantity, parseQuantity } from '../lib/quantity';
import { Json, jsonArray as list, jsonObject as record } from '../policy/json';
import { KUEUE_API_VERSION, PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL } from '../lib/queueing';

/** The kinds of deploy effect. */
export type DeployCategory = 'replaces-job' | 'deletes-job' | 'cronjob-template' | 'job-queue-labels' | 'deletes-queue' | 'protected';

/** Short names of the categories, for summary tables. */
export const DEPLOY_CATEGORY_LABELS: Readonly<Record<DeployCategory, string>> = {
  'replaces-job': 'replaces Job',
  'deletes-job': 'deletes Job',
  'cronjob-template': 'CronJob template',
  'job-queue-labels': 'Job queue labels',
  'deletes-queue': 'deletes ClusterQueue',
  protected: 'protected removal',
};

/** Where docs/deploy.md explains the procedures, relative to the repository root. */
export const DEPLOY_DOCS = {
  decommission: 'docs/deploy.md#decommissioning-a-tenant',
  checkpointVolume: 'docs/deploy.md#removing-a-jobs-checkpoint-volume',
} as const;

/** One effect of deploying a change. */
export interface DeployEffect {
  readonly category: DeployCategory;
  /** The object: `Job resnet-ddp`. */
  readonly object: string;
  /** What the deployment will do, as a sentence. */
  readonly message: string;
  /** The changed fields that cannot change in place; absent for removals. */
  readonly fields?: readonly string[];
  /** The documented procedure, e.g. `docs/deploy.md#decommissioning-a-tenant`. */
  readonly see?: string;
}

/** One object in both versions with its changed fields. */
export interface ChangedObject {
  readonly before: KubeObject;
  readonly after: KubeObject;
  readonly changes: readonly FieldChange[];
}

/** Job fields Kubernetes refuses to change in place (`spec.completions` is handled apart). */
const IMMUTABLE_JOB_FIELDS: readonly string[] = [
  'spec.template',
  'spec.selector',
  'spec.completionMode',
  'spec.podFailurePolicy',
  'spec.backoffLimitPerIndex',
  'spec.managedBy',
];

/** How long Pulumi's Kubernetes provider waits for a deleted object to be gone (await.Deletion's default; mlp sets no other). */
const DELETE_TIMEOUT_MINUTES = 10;

/** Fields of a PersistentVolumeClaim that may change in place; every other spec field may not. */
const MUTABLE_CLAIM_FIELDS: readonly string[] = ['spec.resources.requests.storage', 'spec.volumeAttributesClassName'];

/** Resources of a container that are not accelerators. */
const ORDINARY_RESOURCES = /^(cpu|memory|ephemeral-storage|hugepages-.*)$/;

/** True when `path` is `field` or below it. */
function under(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

function qualifiedName(object: KubeObject): string {
  return object.metadata.namespace !== undefined ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

/** The top-level fields (`spec.template`) of the changed paths, in order, without repeats. */
function topFields(paths: readonly string[], fields: readonly string[]): string[] {
  return [...new Set(paths.map((path) => fields.find((field) => under(path, field)) ?? path))];
}

/** `4 workers x 8 GPUs`, `1 worker x 1 GPU`, `2 workers, no GPUs`: what a run of the Job holds. */
function runSize(jobSpec: Json): string {
  const workers = typeof jobSpec.parallelism === 'number' ? jobSpec.parallelism : 1;
  const podSpec = record(record(jobSpec.template).spec);
  let gpus = 0;
  for (const container of list(podSpec.containers)) {
    for (const [resource, amount] of Object.entries(record(record(record(container).resources).limits))) {
      if (!ORDINARY_RESOURCES.test(resource)) gpus += Number(amount) || 0;
    }
  }
  const who = `${workers} worker${workers === 1 ? '' : 's'}`;
  return gpus === 0 ? `${who}, no GPUs` : `${who} x ${gpus} GPU${gpus === 1 ? '' : 's'}`;
}

/** The changed paths of a Job that make Pulumi replace it. */
function immutableJobPaths(change: ChangedObject): string[] {
  const spec = record(change.after.spec);
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  return change.changes
    .map((field) => field.path)
    .filter((path) => IMMUTABLE_JOB_FIELDS.some((field) => under(path, field)) || (path === 'spec.completions' && !elastic));
}

function isKind(object: KubeObject, group: string, kind: string): boolean {
  return object.kind === kind && (group === '' ? object.apiVersion === 'v1' : object.apiVersion.startsWith(`${group}/`));
}

function changedEffects(change: ChangedObject, tenant: boolean): DeployEffect[] {
  const { before, after } = change;
  if (isKind(after, 'batch', 'Job')) {
    const paths = immutableJobPaths(change);
    if (paths.length === 0) return queueLabelEffects(change);
    const fields = topFields(paths, [...IMMUTABLE_JOB_FIELDS, 'spec.completions']);
    return [
      {
        category: 'replaces-job',
        object: `Job ${after.metadata.name}`,
        message:
          `replaces Job ${qualifiedName(after)}: restarts a running training run (${runSize(record(before.spec))}), or runs a finished one again; ` +
          `${fields.join(', ')} cannot change in place`,
        fields: paths,
      },
    ];
  }
  if (isKind(after, 'batch', 'CronJob')) {
    const paths = change.changes.map((field) => field.path).filter((path) => under(path, 'spec.jobTemplate'));
    if (paths.length === 0) return [];
    const forbid = record(after.spec).concurrencyPolicy === 'Forbid';
    return [
      {
        category: 'cronjob-template',
        object: `CronJob ${after.metadata.name}`,
        message:
          `changes the job template of CronJob ${qualifiedName(after)} in place: a run in progress (${runSize(record(record(record(before.spec).jobTemplate).spec))}) ` +
          `keeps the old template and is not restarted; the next scheduled run uses the new one` +
          (forbid ? ' (concurrencyPolicy Forbid: a scheduled time that comes while a run is still active is skipped)' : ''),
        fields: paths,
      },
    ];
  }
  if (tenant && isCheckpointVolume(before) && isKind(after, '', 'PersistentVolumeClaim')) {
    const paths = change.changes.map((field) => field.path).filter((path) => under(path, 'spec') && !MUTABLE_CLAIM_FIELDS.some((field) => under(path, field)));
    const sizeBefore = String(record(record(record(before.spec).resources).requests).storage ?? '');
    const sizeAfter = String(record(record(record(after.spec).resources).requests).storage ?? '');
    if (paths.length === 0 && isQuantity(sizeBefore) && isQuantity(sizeAfter) && parseQuantity(sizeAfter) < parseQuantity(sizeBefore)) {
      return [
        {
          category: 'protected',
          object: `PersistentVolumeClaim ${after.metadata.name}`,
          message:
            `shrinks protected PersistentVolumeClaim ${qualifiedName(after)} from ${sizeBefore} to ${sizeAfter}: Kubernetes refuses to make a volume smaller, ` +
            'so pulumi up will fail on it; keep the size or grow it, or copy the data and follow the procedure for removing a checkpoint volume',
          fields: ['spec.resources.requests.storage'],
          see: DEPLOY_DOCS.checkpointVolume,
        },
      ];
    }
    if (paths.length === 0) return [];
    return [
      {
        category: 'protected',
        object: `PersistentVolumeClaim ${after.metadata.name}`,
        message:
          `replaces protected PersistentVolumeClaim ${qualifiedName(after)} (${topFields(paths, []).join(', ')} cannot change in place): ` +
          'pulumi up will refuse to replace it and fail; keep the old value, or copy the data and follow the procedure for removing a checkpoint volume',
        fields: paths,
        see: DEPLOY_DOCS.checkpointVolume,
      },
    ];
  }
  return [];
}

/** The Kueue labels of a Job, as paths of its changes. */
const QUEUE_LABEL_PATHS: readonly string[] = [QUEUE_NAME_LABEL, PRIORITY_CLASS_LABEL].map((label) => `metadata.labels.${label}`);

/** What Kueue's Job webhook refuses of a label change, by label and op. */
function refusal(label: string, op: FieldChange['op']): string {
  if (label === PRIORITY_CLASS_LABEL && op === 'removed') return `to remove ${label} from any Job, suspended or not`;
  return op === 'added' ? `to add ${label} to a Job that is not suspended` : `to remove ${label} from a Job that is not suspended`;
}

/**
 * A Job updated in place whose queue or priority label appears or goes away
 * (Kueue turned on or off). Kueue's Job webhook (v0.19.2,
 * pkg/controller/jobframework/validation.go) refuses: adding or removing the
 * queue name on a Job that is not suspended (validateUpdateForQueueName),
 * adding a priority class to a Job that is not suspended, and removing one
 * from any Job, suspended or not (ValidateUpdateForWorkloadPriorityClassName).
 * mlp's Jobs are created unsuspended; only Kueue suspends them while they wait.
 */
function queueLabelEffects(change: ChangedObject): DeployEffect[] {
  const fields = change.changes.filter((field) => QUEUE_LABEL_PATHS.includes(field.path) && field.op !== 'changed');
  if (fields.length === 0) return [];
  const label = (field: FieldChange) => field.path.replace('metadata.labels.', '');
  const labels = fields.map((field) => `${label(field)} ${field.op}`).join(', ');
  return [
    {
      category: 'job-queue-labels',
      object: `Job ${change.after.metadata.name}`,
      message:
        `changes the Kueue labels of Job ${qualifiedName(change.after)} in place (${labels}): where Kueue is installed, its Job webhook refuses ` +
        `${fields.map((field) => refusal(label(field), field.op)).join(', and ')}, so pulumi up will fail on it; ` +
        'delete the Job before deploying, and pulumi up --refresh creates it again (its run starts over)',
      fields: fields.map((field) => field.path),
    },
  ];
}

function removedEffects(object: KubeObject, tenant: boolean): DeployEffect[] {
  if (isKind(object, 'batch', 'Job')) {
    return [
      {
        category: 'deletes-job',
        object: `Job ${object.metadata.name}`,
        message: `deletes Job ${qualifiedName(object)}: stops a running training run (${runSize(record(object.spec))}) and deletes its pods and their logs`,
      },
    ];
  }
  if (isKind(object, 'batch', 'CronJob')) {
    return [
      {
        category: 'deletes-job',
        object: `CronJob ${object.metadata.name}`,
        message: `deletes CronJob ${qualifiedName(object)}: no further runs; the Jobs it started, a run in progress included, are deleted with it`,
      },
    ];
  }
  if (isKind(object, KUEUE_API_VERSION.split('/')[0], 'ClusterQueue')) {
    const name = object.metadata.name;
    return [
      {
        category: 'deletes-queue',
        object: `ClusterQueue ${name}`,
        message:
          `deletes ClusterQueue ${name}: Kueue starts none of its queued Jobs any more (they stay suspended: "ClusterQueue ${name} is terminating or missing"); ` +
          `Jobs it admitted keep running, and Kueue's finalizer keeps the ClusterQueue until they finish, so pulumi up waits for them and fails after ${DELETE_TIMEOUT_MINUTES} minutes if they still run`,
      },
    ];
  }
  if (tenant && isCheckpointVolume(object)) {
    return [
      {
        category: 'protected',
        object: `${object.kind} ${object.metadata.name}`,
        message:
          `removes protected ${object.kind} ${qualifiedName(object)}: pulumi up will delete the other removed objects (a Job too) and then fail on this volume, ` +
          'which stays with its data; to delete it on purpose, unprotect it and update again',
        see: DEPLOY_DOCS.checkpointVolume,
      },
    ];
  }
  return [];
}

/**
 * The deploy effects of one group's change: Jobs and CronJobs replaced,
 * changed or deleted, then protected objects removed or replaced. A removed
 * tenant has one effect, the refused removal.
 *
 * @param name the tenant name, or `_platform` (whose objects are not protected)
 * @param status the group's status
 * @param removed the objects only the base has
 * @param changed the objects of both versions that differ
 */
export function deployEffects(
  name: string,
  status: 'added' | 'removed' | 'changed' | 'unchanged',
  removed: readonly KubeObject[],
  changed: readonly ChangedObject[],
): DeployEffect[] {
  const tenant = name !== PLATFORM_DIR;
  if (tenant && status === 'removed') {
    const namespace = removed.find(isProtectedTenantObject);
    return [
      {
        category: 'protected',
        object: namespace ? `Namespace ${namespace.metadata.name}` : `tenant ${name}`,
        message:
          `removes tenant ${name}: pulumi up will refuse the whole update, before changing anything, ` +
          `unless an earlier update listed ${name} in mlp:decommission while its file was still there`,
        see: DEPLOY_DOCS.decommission,
      },
    ];
  }
  const effects = [...changed.flatMap((change) => changedEffects(change, tenant)), ...removed.flatMap((object) => removedEffects(object, tenant))];
  const order = Object.keys(DEPLOY_CATEGORY_LABELS);
  return effects.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category) || compareNames(a.object, b.object));
}
