/**
 * What a change to the tenant files means, per tenant: the objects added,
 * removed and changed (with field-level changes), the quota and monthly
 * committed cost before and after, the security-relevant changes, the
 * deploy effects, the changes to queueing through Kueue and to canary
 * releases of model services. Both
 * sides are synthesized with the same (current) library, so the diff shows
 * the effect of the input files only.
 */
import { committedMonthlyCost, gpuQuotaPrice, roundCents } from './cost';
import { PlatformConfig } from '../config/load';
import { parseQuantity } from '../lib/quantity';
import { TenantConfig } from '../config/tenant-config';
import { TenantQuota } from '../lib/tenant-namespace';
import { ChangedObject, DeployEffect, deployEffects } from './deploy-effects';
import { FieldChange, diffObjects } from './object-diff';
import { SecurityChange, securityChanges } from './security-posture';
import { QueueChange, queueChanges } from './queue-changes';
import { CanaryChange, canaryChanges } from './canary-changes';
import { PLATFORM_DIR, manifestFileName } from '../stacks/synth';
import { synthesizeConfig } from '../stacks/pipeline';
import { ValidationError } from '../config/problems';
import { QUOTA_FIELDS } from '../config/amount-bounds';
import { KubeObject, ObjectGroup } from '../policy/kube-object';
import { compareNames } from '../lib/names';
import { jsonObject as record } from '../policy/json';
import { PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL } from '../lib/queueing';

/** An object, by what identifies it and the file it is written to. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Its file below the output directory, e.g. `vision/job-resnet-ddp.yaml`. */
  readonly file: string;
}

/** An object in both versions, with its changed fields. */
export interface ObjectChange extends ObjectRef {
  readonly changes: readonly FieldChange[];
}

/**
 * A label change that several objects of a group share, e.g. a new cost
 * center on every object: one line instead of one per object. The objects'
 * own `changes` still list it.
 */
export interface LabelChange {
  /** The label key, e.g. `mlp.io/cost-center`. */
  readonly key: string;
  readonly op: FieldChange['op'];
  readonly before?: unknown;
  readonly after?: unknown;
  /** The files of the objects that carry the change (on the object or its pod template). */
  readonly files: readonly string[];
  /** How many objects the group has after the change (before, for a removed group). */
  readonly of: number;
}

/** A quota resource whose amount changed. */
export interface QuotaChange {
  readonly resource: keyof TenantQuota;
  /** Absent for a new tenant. */
  readonly before?: string | number;
  /** Absent for a removed tenant. */
  readonly after?: string | number;
}

/** A monthly amount before and after; `before` is null for a new tenant, `after` for a removed one. */
export interface MoneyChange {
  readonly before: number | null;
  readonly after: number | null;
  readonly delta: number;
}

/** The changes of one tenant, or of the platform's objects. */
export interface GroupDiff {
  /** The tenant name, or `_platform`. */
  readonly name: string;
  /** Its input file (after the change, or before it for a removed tenant). */
  readonly file: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectChange[];
  /** Changed quota resources (the tenant file's spec.quota); always empty for the platform. */
  readonly quota: readonly QuotaChange[];
  /**
   * Changes of the namespace's ResourceQuota (`spec.hard`, as `requests.<resource>` and `pods`) that
   * differ from the spec.quota change of the same resource: with Kueue the ResourceQuota is guarantee +
   * borrowing limit + serving reserve, and turning Kueue on or off changes it while spec.quota stays.
   * Only for a tenant in both versions; empty for the platform.
   */
  readonly namespaceQuota: readonly QuotaChange[];
  /** Monthly committed cost: of the quota, or with Kueue of the guarantee and the serving reserve; null for the platform. */
  readonly monthlyCost: MoneyChange | null;
  readonly security: readonly SecurityChange[];
  /** Changes to how the tenant shares the cluster through Kueue: guarantee, borrowing and lending limits, fair-sharing weight, Job priorities, Kueue objects. */
  readonly queueing: readonly QueueChange[];
  /** Canary releases of model services started, re-weighted, changed, removed or promoted. */
  readonly canary: readonly CanaryChange[];
  /** What deploying the change does beyond in-place updates: Jobs replaced, protected objects removed, ... */
  readonly deploy: readonly DeployEffect[];
  /** Label changes shared by two or more objects. */
  readonly labels: readonly LabelChange[];
}

/** The changes of every tenant and of the platform. */
export interface SemanticDiff {
  readonly base: {
    /** The revision as given, e.g. `HEAD`. */
    readonly ref: string;
    readonly commit: string;
    /** False when the platform file did not exist at the base: everything is new. */
    readonly hasPlatformFile: boolean;
  };
  /** Currency of every amount (the platform file's pricing.currency). */
  readonly currency: string;
  /** Whether the platform queues batch work through Kueue (after the change): costs are then of guarantee and serving reserve. */
  readonly kueue: boolean;
  /** The GPU type and price a GPU quota is charged at without Kueue (after the change). */
  readonly gpuQuotaPrice: { readonly type: string; readonly hourlyPrice: number };
  readonly platform: GroupDiff;
  /** Every tenant of either version, by name. */
  readonly tenants: readonly GroupDiff[];
  readonly totals: {
    readonly tenants: { readonly added: number; readonly removed: number; readonly changed: number; readonly unchanged: number };
    readonly objects: { readonly added: number; readonly removed: number; readonly changed: number };
    readonly monthlyCost: MoneyChange;
    readonly securityChanges: number;
    readonly deployEffects: number;
    readonly queueingChanges: number;
    readonly canaryChanges: number;
  };
}


function objectRef(dir: string, object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace !== undefined && { namespace: object.metadata.namespace }),
    file: `${dir}/${manifestFileName(object)}`,
  };
}

function byFile(dir: string, group: ObjectGroup | undefined): Map<string, KubeObject> {
  const objects = new Map<string, KubeObject>();
  for (const object of group?.objects ?? []) objects.set(`${dir}/${manifestFileName(object)}`, object);
  return objects;
}

function quotaChanges(before: TenantConfig | undefined, after: TenantConfig | undefined): QuotaChange[] {
  const amount = (value: string | number) => (typeof value === 'number' ? value : parseQuantity(value));
  return QUOTA_FIELDS.flatMap((resource): QuotaChange[] => {
    const was = before?.quota[resource];
    const is = after?.quota[resource];
    if (was !== undefined && is !== undefined && amount(was) === amount(is)) return [];
    return [{ resource, ...(was !== undefined && { before: was }), ...(is !== undefined && { after: is }) }];
  });
}

/** The ResourceQuota key (`spec.hard`) of a quota field; the GPU key is the first `requests.<resource>` that is not another field's. */
function hardAmount(hard: Record<string, unknown>, resource: keyof TenantQuota): string | undefined {
  const keys: Record<Exclude<keyof TenantQuota, 'gpu'>, string> = {
    cpu: 'requests.cpu',
    memory: 'requests.memory',
    storage: 'requests.storage',
    pods: 'pods',
    ephemeralStorage: 'requests.ephemeral-storage',
  };
  if (resource !== 'gpu') return hard[keys[resource]] === undefined ? undefined : String(hard[keys[resource]]);
  const gpuKey = Object.keys(hard)
    .sort()
    .find((key) => key.startsWith('requests.') && !Object.values(keys).includes(key));
  return gpuKey === undefined ? undefined : String(hard[gpuKey]);
}

function quotaHard(group: ObjectGroup | undefined): Record<string, unknown> | undefined {
  const quota = group?.objects.find((object) => object.kind === 'ResourceQuota' && object.apiVersion === 'v1');
  return quota === undefined ? undefined : record(record(quota.spec).hard);
}

/**
 * The ResourceQuota changes of a tenant in both versions that its spec.quota
 * change does not show: a resource whose ResourceQuota amount changed, unless
 * it went from exactly the old spec.quota amount to exactly the new one.
 */
function namespaceQuotaChanges(before: ObjectGroup | undefined, after: ObjectGroup | undefined, was: TenantConfig | undefined, is: TenantConfig | undefined): QuotaChange[] {
  const hardBefore = quotaHard(before);
  const hardAfter = quotaHard(after);
  if (!hardBefore || !hardAfter || !was || !is) return [];
  const equal = (a: string | number | undefined, b: string | number | undefined) =>
    a !== undefined && b !== undefined && (typeof a === 'number' ? a : parseQuantity(a)) === (typeof b === 'number' ? b : parseQuantity(b));
  return QUOTA_FIELDS.flatMap((resource): QuotaChange[] => {
    const old = hardAmount(hardBefore, resource);
    const current = hardAmount(hardAfter, resource);
    if (old === current || equal(old, current)) return [];
    if (equal(old, was.quota[resource]) && equal(current, is.quota[resource])) return [];
    return [{ resource, ...(old !== undefined && { before: old }), ...(current !== undefined && { after: current }) }];
  });
}

function diffGroup(name: string, before: ObjectGroup | undefined, after: ObjectGroup | undefined): Omit<GroupDiff, 'quota' | 'namespaceQuota' | 'monthlyCost'> {
  const was = byFile(name, before);
  const is = byFile(name, after);
  const files = [...new Set([...was.keys(), ...is.keys()])].sort();
  const added: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  const changed: ObjectChange[] = [];
  const removedObjects: KubeObject[] = [];
  const changedObjects: ChangedObject[] = [];
  for (const file of files) {
    const old = was.get(file);
    const current = is.get(file);
    if (!old) added.push(objectRef(name, current!));
    else if (!current) {
      removed.push(objectRef(name, old));
      removedObjects.push(old);
    } else {
      const changes = diffObjects(old, current);
      if (changes.length > 0) {
        changed.push({ ...objectRef(name, current), changes });
        changedObjects.push({ before: old, after: current, changes });
      }
    }
  }
  const status = !before && after ? 'added' : before && !after ? 'removed' : added.length + removed.length + changed.length > 0 ? 'changed' : 'unchanged';
  return {
    name,
    file: after?.source ?? before?.source ?? '',
    status,
    added,
    removed,
    changed,
    security: securityChanges(before?.objects ?? [], after?.objects ?? []),
    queueing: queueChanges(before?.objects ?? [], after?.objects ?? []),
    canary: canaryChanges(before?.objects ?? [], after?.objects ?? []),
    deploy: deployEffects(name, status, removedObjects, changedObjects),
    labels: sharedLabelChanges(changed, after ? is.size : was.size),
  };
}

/** `mlp.io/cost-center` of `metadata.labels.mlp.io/cost-center` or `spec.template.metadata.labels.mlp.io/cost-center`. */
const LABEL_PATH = /(?:^|\.)metadata\.labels\.(.+)$/;

/** The label key a field path changes, if it is a label of an object or of a template in it. */
export function labelKey(path: string): string | undefined {
  return LABEL_PATH.exec(path)?.[1];
}

/**
 * Labels that stay with each Job however many share the change: Kueue's queue
 * and priority labels, each Job's own deploy effect and queueing change, so
 * every tenant lists them per Job, one Job or ten.
 */
const PER_JOB_LABELS: readonly string[] = [QUEUE_NAME_LABEL, PRIORITY_CLASS_LABEL];

/** Label changes (key, op, before, after) that two or more changed objects share, by key; Kueue's labels are left per Job. */
function sharedLabelChanges(changed: readonly ObjectChange[], of: number): LabelChange[] {
  const shared = new Map<string, { change: FieldChange; key: string; files: Set<string> }>();
  for (const object of changed) {
    for (const change of object.changes) {
      const key = labelKey(change.path);
      if (key === undefined || PER_JOB_LABELS.includes(key)) continue;
      const id = JSON.stringify([key, change.op, change.before, change.after]);
      const entry = shared.get(id) ?? { change, key, files: new Set<string>() };
      entry.files.add(object.file);
      shared.set(id, entry);
    }
  }
  return [...shared.values()]
    .filter((entry) => entry.files.size > 1)
    .map(({ change, key, files }) => ({
      key,
      op: change.op,
      ...(change.op !== 'added' && { before: change.before }),
      ...(change.op !== 'removed' && { after: change.after }),
      files: [...files].sort(),
      of,
    }))
    .sort((a, b) => compareNames(a.key, b.key));
}

/**
 * The checked objects of the base revision; its policy violations are
 * reported like its other problems, as found with the current library.
 */
function baseGroups(config: PlatformConfig): readonly ObjectGroup[] {
  try {
    return synthesizeConfig(config).groups;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.problems.map((problem) => ({ ...problem, message: `${problem.message} (the base revision, checked with the current library)` })));
  }
}

/**
 * Synthesizes both configurations through the checked pipeline (so a
 * policy violation fails the diff, as it fails `mlp validate`) and compares them.
 *
 * @param base the configuration at the base revision; `config` is absent when it had no platform file
 * @param head the configuration of the work tree
 */
export function semanticDiff(base: { readonly ref: string; readonly commit: string; readonly config?: PlatformConfig }, head: PlatformConfig): SemanticDiff {
  const beforeGroups = base.config ? baseGroups(base.config) : [];
  const afterGroups = synthesizeConfig(head).groups;
  const group = (groups: readonly ObjectGroup[], dir: string) => groups.find((candidate) => candidate.dir === dir);
  const beforeTenants = new Map((base.config?.tenants ?? []).map((tenant) => [tenant.name, tenant]));
  const afterTenants = new Map(head.tenants.map((tenant) => [tenant.name, tenant]));

  const platform: GroupDiff = { ...diffGroup(PLATFORM_DIR, group(beforeGroups, PLATFORM_DIR), group(afterGroups, PLATFORM_DIR)), quota: [], namespaceQuota: [], monthlyCost: null };
  const names = [...new Set([...beforeTenants.keys(), ...afterTenants.keys()])].sort();
  const tenants = names.map((name): GroupDiff => {
    const before = beforeTenants.get(name);
    const after = afterTenants.get(name);
    const costBefore = before && base.config ? committedMonthlyCost(base.config.platform, before).total : null;
    const costAfter = after ? committedMonthlyCost(head.platform, after).total : null;
    return {
      ...diffGroup(name, group(beforeGroups, name), group(afterGroups, name)),
      quota: quotaChanges(before, after),
      namespaceQuota: namespaceQuotaChanges(group(beforeGroups, name), group(afterGroups, name), before, after),
      monthlyCost: { before: costBefore, after: costAfter, delta: roundCents((costAfter ?? 0) - (costBefore ?? 0)) },
    };
  });

  const all = [platform, ...tenants];
  const count = (status: GroupDiff['status']) => tenants.filter((tenant) => tenant.status === status).length;
  const sum = (values: ReadonlyArray<number | null>) => roundCents(values.reduce<number>((total, value) => total + (value ?? 0), 0));
  const costBefore = sum(tenants.map((tenant) => tenant.monthlyCost!.before));
  const costAfter = sum(tenants.map((tenant) => tenant.monthlyCost!.after));
  return {
    base: { ref: base.ref, commit: base.commit, hasPlatformFile: base.config !== undefined },
    currency: head.platform.spec.pricing.currency,
    kueue: head.platform.spec.queueing.kueue,
    gpuQuotaPrice: gpuQuotaPrice(head.platform),
    platform,
    tenants,
    totals: {
      tenants: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged') },
      objects: {
        added: all.reduce((total, entry) => total + entry.added.length, 0),
        removed: all.reduce((total, entry) => total + entry.removed.length, 0),
        changed: all.reduce((total, entry) => total + entry.changed.length, 0),
      },
      monthlyCost: { before: costBefore, after: costAfter, delta: roundCents(costAfter - costBefore) },
      securityChanges: all.reduce((total, entry) => total + entry.security.length, 0),
      deployEffects: all.reduce((total, entry) => total + entry.deploy.length, 0),
      queueingChanges: all.reduce((total, entry) => total + entry.queueing.length, 0),
      canaryChanges: all.reduce((total, entry) => total + entry.canary.length, 0),
    },
  };
}
