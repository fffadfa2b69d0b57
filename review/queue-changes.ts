/**
 * What a change does to the sharing of the cluster through Kueue, as a
 * reviewer weighs it: a tenant's guarantee (a ClusterQueue's `nominalQuota`),
 * how much it may borrow beyond it and lend of it, its fair-sharing weight,
 * the priority its Jobs queue at, and Kueue objects (ClusterQueue,
 * LocalQueue, ResourceFlavor, WorkloadPriorityClass) appearing or going
 * away. Read from the synthesized objects of both versions, like the
 * security-relevant changes, so they describe what Kueue will be given.
 *
 * Absent limits mean what Kueue makes of them: no `borrowingLimit` lets a
 * ClusterQueue borrow without limit, no `lendingLimit` lets it lend all of
 * its guarantee, no `fairSharing.weight` is a weight of 1.
 * @see https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/
 */
import { KubeObject } from '../policy/kube-object';
import { compareNames } from '../lib/names';
import { isQuantity, parseQuantity } from '../lib/quantity';
import { Json, jsonArray as list, jsonObject as record } from '../policy/json';
import { KUEUE_API_VERSION, PRIORITY_CLASS_LABEL } from '../lib/queueing';

/** The kinds of queueing change. */
export type QueueCategory =
  | 'guarantee'
  | 'borrowing-limit'
  | 'lending-limit'
  | 'fair-sharing'
  | 'cohort'
  | 'queueing-strategy'
  | 'preemption'
  | 'priority'
  | 'kueue-object';

/** Short names of the categories, for summary tables. */
export const QUEUE_CATEGORY_LABELS: Readonly<Record<QueueCategory, string>> = {
  guarantee: 'guarantee',
  'borrowing-limit': 'borrowing limit',
  'lending-limit': 'lending limit',
  'fair-sharing': 'fair-sharing weight',
  cohort: 'cohort',
  'queueing-strategy': 'queueing strategy',
  preemption: 'preemption',
  priority: 'priority',
  'kueue-object': 'Kueue objects',
};

/** One change to how the tenant shares the cluster. */
export interface QueueChange {
  readonly category: QueueCategory;
  readonly change: 'added' | 'removed' | 'changed';
  /** What it is about, as a sentence: `guarantee of nvidia.com/gpu (flavor a100-80gb): 8 → 16`. */
  readonly message: string;
  /** The object that carries it: `ClusterQueue vision`, `Job resnet-ddp`. */
  readonly object: string;
  /** The value before (a quantity, weight or priority class); absent when there was none. */
  readonly before?: string;
  /** The value after; absent when there is none. */
  readonly after?: string;
}

/** The Kueue kinds whose appearing or going away is flagged. */
const KUEUE_KINDS: readonly string[] = ['ClusterQueue', 'LocalQueue', 'ResourceFlavor', 'WorkloadPriorityClass'];

/** One setting of the objects, by a key that is equal for the same setting in two versions. */
interface Setting {
  readonly category: QueueCategory;
  /** The ClusterQueue or Job it belongs to: its changes count only while that object exists in both versions. */
  readonly owner: string;
  readonly object: string;
  /** The value as written; undefined when the field is absent (`absent` says what Kueue makes of it). */
  readonly value?: string;
  /** What the setting is: `guarantee of nvidia.com/gpu (flavor a100-80gb)`. */
  readonly what: string;
  /** How an absent value reads: `no limit`. */
  readonly absent: string;
  /** How the setting reads on the side where its flavor is not in the ClusterQueue. */
  readonly missing: string;
  /** What the setting amounts to, where that can stay the same while the value changes: a lending limit lends at most the guarantee. */
  readonly effective?: number;
}

/** A flavor the ClusterQueue does not list: its workloads cannot use it at all. */
const NOT_IN_QUEUE = 'none (flavor not in the queue)';

/** Kueue's API group: objects of any of its versions count. */
const KUEUE_API_GROUP = KUEUE_API_VERSION.split('/')[0];

function isKueue(object: KubeObject, kind: string): boolean {
  return object.kind === kind && object.apiVersion.startsWith(`${KUEUE_API_GROUP}/`);
}

function ownerKey(object: KubeObject): string {
  return `${object.kind}:${object.metadata.namespace ?? ''}:${object.metadata.name}`;
}

function text(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/** A quantity as a number; undefined when absent or not a quantity. */
function amount(value: unknown): number | undefined {
  const written = text(value);
  return written !== undefined && isQuantity(written) ? parseQuantity(written) : undefined;
}

/** True when two values are the same amount (`64` and `64000m`) or the same text. */
function same(a: string, b: string): boolean {
  return a === b || (isQuantity(a) && isQuantity(b) && parseQuantity(a) === parseQuantity(b));
}

function addClusterQueue(object: KubeObject, settings: Map<string, Setting>): void {
  const spec = record(object.spec);
  const owner = ownerKey(object);
  const source = `ClusterQueue ${object.metadata.name}`;
  for (const group of list(spec.resourceGroups)) {
    for (const flavor of list(record(group).flavors)) {
      const flavorName = String(record(flavor).name);
      for (const resource of list(record(flavor).resources)) {
        const { name, nominalQuota, borrowingLimit, lendingLimit } = record(resource);
        const where = `${String(name)} (flavor ${flavorName})`;
        const key = `${owner}:${flavorName}:${String(name)}`;
        settings.set(`guarantee:${key}`, { category: 'guarantee', owner, object: source, value: text(nominalQuota), what: `guarantee of ${where}`, absent: '0', missing: '0' });
        settings.set(`borrowing-limit:${key}`, {
          category: 'borrowing-limit',
          owner,
          object: source,
          value: text(borrowingLimit),
          what: `borrowing limit of ${where}`,
          absent: 'no limit',
          missing: NOT_IN_QUEUE,
        });
        const nominal = amount(nominalQuota) ?? 0;
        const lent = amount(lendingLimit);
        settings.set(`lending-limit:${key}`, {
          category: 'lending-limit',
          owner,
          object: source,
          value: text(lendingLimit),
          effective: lent === undefined ? nominal : Math.min(lent, nominal),
          what: `lending limit of ${where}`,
          absent: 'all of the guarantee',
          missing: NOT_IN_QUEUE,
        });
      }
    }
  }
  settings.set(`fair-sharing:${owner}`, {
    category: 'fair-sharing',
    owner,
    object: source,
    value: text(record(spec.fairSharing).weight) ?? '1',
    what: 'fair-sharing weight',
    absent: '1',
    missing: '1',
  });
  // The platform file's queueing.cohort, queueingStrategy and preemption.<tier>: absent fields read as Kueue's defaults.
  const scalar = (category: QueueCategory, key: string, what: string, value: unknown, absent: string) =>
    settings.set(`${category}:${owner}:${key}`, { category, owner, object: source, value: text(value), what, absent, missing: absent });
  scalar('cohort', 'cohortName', 'cohort', spec.cohortName, 'none');
  scalar('queueing-strategy', 'queueingStrategy', 'queueing strategy', spec.queueingStrategy, 'BestEffortFIFO');
  const preemption = record(spec.preemption);
  scalar('preemption', 'withinClusterQueue', 'preemption withinClusterQueue', preemption.withinClusterQueue, 'Never');
  scalar('preemption', 'reclaimWithinCohort', 'preemption reclaimWithinCohort', preemption.reclaimWithinCohort, 'Never');
  scalar('preemption', 'borrowWithinCohort', 'preemption borrowWithinCohort', record(preemption.borrowWithinCohort).policy, 'Never');
}

function addPriority(object: KubeObject, labels: unknown, settings: Map<string, Setting>): void {
  const owner = ownerKey(object);
  settings.set(`priority:${owner}`, {
    category: 'priority',
    owner,
    object: `${object.kind} ${object.metadata.name}`,
    value: text(record(labels)[PRIORITY_CLASS_LABEL]),
    what: `priority of ${object.kind} ${object.metadata.name}`,
    absent: 'none',
    missing: 'none',
  });
}

/** The queueing settings of a set of objects. */
function settingsOf(objects: readonly KubeObject[]): Map<string, Setting> {
  const settings = new Map<string, Setting>();
  for (const object of objects) {
    if (isKueue(object, 'ClusterQueue')) addClusterQueue(object, settings);
    else if (object.kind === 'Job' && object.apiVersion === 'batch/v1') addPriority(object, object.metadata.labels, settings);
    else if (object.kind === 'CronJob' && object.apiVersion === 'batch/v1') {
      addPriority(object, record(record(record(object.spec).jobTemplate).metadata).labels, settings);
    }
  }
  return settings;
}

/** `nvidia.com/gpu 8 (a100-80gb 8, l4 0)`: one resource of a ClusterQueue summed over its flavors, by flavor when it has more than one. */
function perResource(spec: Json, field: 'nominalQuota' | 'borrowingLimit'): string[] {
  const amounts = new Map<string, Array<{ flavor: string; value?: string }>>();
  for (const group of list(spec.resourceGroups)) {
    for (const flavor of list(record(group).flavors)) {
      for (const resource of list(record(flavor).resources)) {
        const entry = amounts.get(String(record(resource).name)) ?? [];
        entry.push({ flavor: String(record(flavor).name), value: text(record(resource)[field]) });
        amounts.set(String(record(resource).name), entry);
      }
    }
  }
  return [...amounts].map(([resource, flavors]) => {
    if (flavors.length === 1) return `${resource} ${flavors[0].value ?? (field === 'borrowingLimit' ? 'no limit' : '0')}`;
    const byFlavor = flavors.map(({ flavor, value }) => `${flavor} ${value ?? (field === 'borrowingLimit' ? 'no limit' : '0')}`).join(', ');
    if (field === 'borrowingLimit') {
      const values = new Set(flavors.map(({ value }) => value ?? 'no limit'));
      if (values.size === 1) return `${resource} ${[...values][0]} per flavor`;
      return `${resource} (${byFlavor})`;
    }
    const held = flavors.filter(({ value }) => (amount(value) ?? 0) > 0);
    const total = held.reduce((sum, { value }) => sum + amount(value)!, 0);
    return held.length === 0 ? `${resource} 0` : `${resource} ${total} (${held.map(({ flavor, value }) => `${flavor} ${value}`).join(', ')})`;
  });
}

/** The GPUs (`requests.<resource>` of the GPU resources a ClusterQueue covers) of the namespace's ResourceQuota. */
function quotaGpus(spec: Json, quota: KubeObject | undefined): string | undefined {
  const hard = record(record(quota?.spec).hard);
  const gpuResources = list(spec.resourceGroups)
    .flatMap((group) => list(record(group).coveredResources).map(String))
    .filter((resource) => !ORDINARY_RESOURCES.includes(resource));
  const found = gpuResources.map((resource) => text(hard[`requests.${resource}`])).filter((value): value is string => value !== undefined);
  return found.length === 0 ? undefined : found.join(' + ');
}

/** Resources a ClusterQueue covers that are not GPUs. */
const ORDINARY_RESOURCES: readonly string[] = ['cpu', 'memory', 'ephemeral-storage', 'pods'];

/**
 * `ClusterQueue vision in cohort ml-platform`, `WorkloadPriorityClass mlp-batch (value 100)`: a Kueue object as words.
 * An added ClusterQueue also says its guarantee, its borrowing limit and the
 * GPUs of the ResourceQuota of its namespace (`added.quota`): what a new tenant is given.
 */
function describeKueueObject(object: KubeObject, added?: { quota?: KubeObject }): string {
  const spec = record(object.spec);
  const name = object.metadata.namespace === undefined ? object.metadata.name : `${object.metadata.namespace}/${object.metadata.name}`;
  if (object.kind === 'ClusterQueue' && added === undefined && spec.cohortName !== undefined) return `ClusterQueue ${name} in cohort ${String(spec.cohortName)}`;
  if (object.kind === 'ClusterQueue' && added !== undefined) {
    const quota = added.quota;
    const cohort = spec.cohortName === undefined ? `ClusterQueue ${name}` : `ClusterQueue ${name} in cohort ${String(spec.cohortName)}`;
    const gpus = quotaGpus(spec, quota);
    return (
      `${cohort}: guarantee ${perResource(spec, 'nominalQuota').join(', ')}; borrowing limit ${perResource(spec, 'borrowingLimit').join(', ')}` +
      (gpus === undefined ? '' : `; ResourceQuota ${gpus} GPUs`)
    );
  }
  if (object.kind === 'LocalQueue' && spec.clusterQueue !== undefined) return `LocalQueue ${name} of ClusterQueue ${String(spec.clusterQueue)}`;
  if (object.kind === 'WorkloadPriorityClass' && object.value !== undefined) return `WorkloadPriorityClass ${name} (value ${String(object.value)})`;
  return `${object.kind} ${name}`;
}

/** The namespace ResourceQuota of a tenant's objects (mlp writes one, `tenant-quota`). */
function resourceQuota(objects: readonly KubeObject[]): KubeObject | undefined {
  return objects.find((object) => object.kind === 'ResourceQuota' && object.apiVersion === 'v1');
}

function kueueObjects(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.filter((object) => KUEUE_KINDS.some((kind) => isKueue(object, kind))).map((object) => [ownerKey(object), object]));
}

/**
 * The queueing changes from `before` to `after`, sorted by category and
 * message. Settings of a ClusterQueue or Job count only while it exists in
 * both versions: a new tenant's queue is one `kueue-object` change, and a new
 * Job's priority is no change.
 */
export function queueChanges(before: readonly KubeObject[], after: readonly KubeObject[]): QueueChange[] {
  const changes: QueueChange[] = [];
  const wasObjects = kueueObjects(before);
  const isObjects = kueueObjects(after);
  for (const [key, object] of isObjects) {
    if (!wasObjects.has(key)) changes.push({ category: 'kueue-object', change: 'added', message: `adds ${describeKueueObject(object, { quota: resourceQuota(after) })}`, object: `${object.kind} ${object.metadata.name}` });
  }
  for (const [key, object] of wasObjects) {
    if (!isObjects.has(key)) changes.push({ category: 'kueue-object', change: 'removed', message: `removes ${describeKueueObject(object)}`, object: `${object.kind} ${object.metadata.name}` });
  }

  const was = settingsOf(before);
  const is = settingsOf(after);
  const owners = (settings: Map<string, Setting>) => new Set([...settings.values()].map((setting) => setting.owner));
  const wasOwners = owners(was);
  const isOwners = owners(is);
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    const old = was.get(key);
    const current = is.get(key);
    const setting = (current ?? old)!;
    if (!wasOwners.has(setting.owner) || !isOwners.has(setting.owner)) continue;
    const read = (side: Setting | undefined) => (side === undefined ? setting.missing : (side.value ?? setting.absent));
    if (same(read(old), read(current))) continue;
    // A lending limit that lends as much as before (a limit of 0 on a flavor guaranteed 0) is no change.
    if (old?.effective !== undefined && old.effective === current?.effective) continue;
    const change = old?.value === undefined ? 'added' : current?.value === undefined ? 'removed' : 'changed';
    changes.push({
      category: setting.category,
      change,
      message: `${setting.what}: ${read(old)} → ${read(current)}`,
      object: setting.object,
      ...(old?.value !== undefined && { before: old.value }),
      ...(current?.value !== undefined && { after: current.value }),
    });
  }
  const order = Object.keys(QUEUE_CATEGORY_LABELS);
  return changes.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category) || compareNames(a.message, b.message));
}
