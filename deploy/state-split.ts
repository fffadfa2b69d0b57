/**
 * What moving a single stack's state into the platform stack and one stack
 * per tenant does, computed from `pulumi stack export` texts only (no
 * process, no file): which components still have to move, which have moved,
 * what blocks the move, and whether every object kept its id, uid and
 * protection afterwards. Run by deploy/split-stack.ts (`mlp split-stack`).
 *
 * `pulumi state move` (CLI v3.274.1, cmd/pulumi/state/state_move.go) moves
 * the named resources with their children, copies the provider they use
 * (same URN but for the stack, same id) instead of moving it, drops the
 * dependencies on resources that stay behind, and writes the destination's
 * state before the source's: an interruption between the two writes leaves
 * the component in both stacks.
 */

import { PROVIDER_NAME } from '../stacks/stack-names';

/** Pulumi's type token of a Kubernetes provider (the program's is named PROVIDER_NAME). */
export const PROVIDER_TYPE = 'pulumi:providers:kubernetes';

const ROOT_TYPE = 'pulumi:pulumi:Stack';
const STACK_REFERENCE_TYPE = 'pulumi:pulumi:StackReference';

/** One resource of an exported state, the fields the split reads. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly parent?: string;
  readonly protect?: boolean;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** A stack's state, as `pulumi stack export` prints it. */
export interface StackState {
  readonly stack: string;
  readonly resources: readonly StateResource[];
  /** Operations an interrupted update left unfinished. */
  readonly pendingOperations: number;
}

/**
 * Reads the output of `pulumi stack export --stack <stack>`.
 *
 * @throws Error naming the stack when the text is not an export of version 3.
 */
export function parseStackExport(stack: string, text: string): StackState {
  let parsed: { version?: unknown; deployment?: { resources?: unknown; pending_operations?: unknown } };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`pulumi stack export --stack ${stack} printed no JSON (${(error as Error).message})`);
  }
  const deployment = parsed?.deployment;
  if (parsed?.version !== 3 || typeof deployment !== 'object' || deployment === null) {
    throw new Error(`pulumi stack export --stack ${stack}: expected {"version": 3, "deployment": ...}, got version ${JSON.stringify(parsed?.version)}`);
  }
  const resources = deployment.resources ?? [];
  if (!Array.isArray(resources) || resources.some((resource) => typeof resource?.urn !== 'string' || typeof resource?.type !== 'string')) {
    throw new Error(`pulumi stack export --stack ${stack}: deployment.resources is not a list of resources with urn and type`);
  }
  const pending = Array.isArray(deployment.pending_operations) ? deployment.pending_operations.length : 0;
  return { stack, resources: resources as StateResource[], pendingOperations: pending };
}

/** The URN of a resource whose parent is the stack itself: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function topLevelUrn(stack: string, project: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** A URN without its stack, `<project>::<type>::<name>`: what `pulumi state move` keeps of it. */
export function urnKey(urn: string): string {
  const parts = urn.split('::');
  return parts.slice(1).join('::');
}

/** A component and every resource below it (children, their children, ...), the component first. */
export function subtree(state: StackState, urn: string): StateResource[] {
  const component = state.resources.find((resource) => resource.urn === urn);
  if (component === undefined) return [];
  const below = new Set([urn]);
  const found: StateResource[] = [component];
  // Pulumi writes a parent before its children, but keep going until nothing more is found.
  for (let grew = true; grew; ) {
    grew = false;
    for (const resource of state.resources) {
      if (resource.parent !== undefined && below.has(resource.parent) && !below.has(resource.urn)) {
        below.add(resource.urn);
        found.push(resource);
        grew = true;
      }
    }
  }
  return found;
}

/** One component to be in its own stack: a tenant's in `tenant-<tenant>`, the platform's in `platform`. */
export interface SplitUnit {
  /** The stack it goes to. */
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** What a message calls it: `tenant nlp`, `the platform`. */
  readonly label: string;
}

/** Where a unit's component is now. */
export type UnitStatus =
  /** Only in the old stack: to move. */
  | 'to move'
  /** Only in its own stack: moved by an earlier run. */
  | 'moved'
  /** In both, the same resources with the same ids: a move interrupted after it wrote the destination; only the old copy has to go. */
  | 'copied';

/** A unit and where its component is. */
export interface UnitState {
  readonly unit: SplitUnit;
  readonly status: UnitStatus;
  /** The component's URN in the old stack. */
  readonly oldUrn: string;
  /** How many resources it holds (the component included). */
  readonly resources: number;
}

/** What {@link planSplit} reads. */
export interface SplitInput {
  readonly project: string;
  readonly old: StackState;
  /** The states of the target stacks that exist, by stack name. */
  readonly targets: ReadonlyMap<string, StackState>;
  /** The platform unit and a unit per tenant: deployed in the old stack, in a tenant stack, or with a file. */
  readonly units: readonly SplitUnit[];
  /** Tenants with a file, by unit label, to compare with what is deployed; the platform always has one. */
  readonly withFile: ReadonlySet<string>;
  /** The settings file's `mlp:clusterIdentifier`, undefined when unset. */
  readonly clusterIdentifier: string | undefined;
  /** The settings file, for messages. */
  readonly settingsFile: string;
}

/** The outcome of {@link planSplit}: the units in order, or why nothing may be moved. */
export interface SplitPlan {
  readonly units: readonly UnitState[];
  /** Each reason the split must not start; empty when it may. */
  readonly problems: readonly string[];
}

/**
 * Where each unit's component is and what blocks the split: pending
 * operations in the old stack, resources the program does not register, a
 * cluster identifier that differs from the settings file's, a deployed tenant
 * without a file or a tenant file that nothing deployed, a target stack that
 * holds objects of its own, a half-finished move whose copies differ.
 */
export function planSplit(input: SplitInput): SplitPlan {
  const { old, project } = input;
  const problems: string[] = [];
  if (old.pendingOperations > 0) {
    problems.push(
      `stack ${old.stack} has ${old.pendingOperations} pending operation(s) that an interrupted update left; ` +
        `run \`pulumi refresh --stack ${old.stack}\` (it resolves them) and \`pulumi up\` until \`pulumi preview --expect-no-changes\` passes, then run this again`,
    );
  }
  for (const target of input.targets.values()) {
    if (target.pendingOperations > 0) problems.push(`stack ${target.stack} has ${target.pendingOperations} pending operation(s); run \`pulumi refresh --stack ${target.stack}\` first`);
  }

  const units: UnitState[] = [];
  const inUnits = new Set<string>();
  for (const unit of input.units) {
    const oldUrn = topLevelUrn(old.stack, project, unit.type, unit.name);
    const inOld = subtree(old, oldUrn);
    inOld.forEach((resource) => inUnits.add(resource.urn));
    const target = input.targets.get(unit.stack);
    const inTarget = target === undefined ? [] : subtree(target, topLevelUrn(unit.stack, project, unit.type, unit.name));
    const hasFile = input.withFile.has(unit.label);
    if (inOld.length === 0 && inTarget.length === 0) {
      if (hasFile) {
        problems.push(
          `${unit.label} has a file but is deployed neither in stack ${old.stack} nor in stack ${unit.stack}; the migration moves only what is deployed: ` +
            `run \`pulumi up --stack ${old.stack}\` first, or move the file away until the migration is done`,
        );
      }
      continue;
    }
    if (!hasFile) {
      problems.push(
        `${unit.label} is deployed (in stack ${inOld.length > 0 ? old.stack : unit.stack}) but has no file; restore the file, ` +
          `or finish decommissioning the tenant in stack ${old.stack} first (docs/deploy.md#decommissioning-a-tenant)`,
      );
      continue;
    }
    if (target !== undefined && inOld.length > 0 && inTarget.length === 0) {
      const own = target.resources.filter((resource) => resource.type.startsWith('kubernetes:'));
      if (own.length > 0) {
        problems.push(
          `stack ${unit.stack} already holds ${own.length} Kubernetes object(s) (e.g. ${urnKey(own[0].urn)}) that are not ${unit.label}'s from stack ${old.stack}; ` +
            `the migration moves into new or empty stacks only: remove stack ${unit.stack} (check first what it holds: pulumi stack --stack ${unit.stack} --show-urns)`,
        );
        continue;
      }
    }
    if (inOld.length > 0 && inTarget.length > 0) {
      const difference = compareCopies(inOld, inTarget);
      if (difference !== undefined) {
        problems.push(
          `${unit.label} is in stack ${old.stack} and in stack ${unit.stack}, and the two differ (${difference}); ` +
            `a move was interrupted and something changed since. Compare \`pulumi stack export\` of both stacks and remove the wrong copy by hand`,
        );
        continue;
      }
    }
    const status: UnitStatus = inTarget.length === 0 ? 'to move' : inOld.length === 0 ? 'moved' : 'copied';
    units.push({ unit, status, oldUrn, resources: Math.max(inOld.length, inTarget.length) });
  }

  const strays = old.resources.filter((resource) => !inUnits.has(resource.urn) && !isStackPlumbing(resource));
  if (strays.length > 0) {
    problems.push(
      `stack ${old.stack} holds ${strays.length} resource(s) that belong to no tenant and not to the platform, which the split stacks would not register: ` +
        `${strays.slice(0, 5).map((resource) => resource.urn).join(', ')}${strays.length > 5 ? ', ...' : ''}`,
    );
  }
  problems.push(...checkClusterIdentifier(input));
  return { units, problems };
}

/** The stack's own resources, which stay in the old stack: its root, providers and stack references. */
function isStackPlumbing(resource: StateResource): boolean {
  return resource.type === ROOT_TYPE || resource.type === STACK_REFERENCE_TYPE || resource.type.startsWith('pulumi:providers:');
}

/**
 * The provider's cluster identifier in the old stack must be the one the
 * settings file sets: each new stack builds its provider from the settings
 * file, and a provider whose identifier changes is replaced together with
 * every object it manages, so the moved objects would be deleted and created
 * again (and the protected ones refused).
 */
function checkClusterIdentifier(input: SplitInput): string[] {
  const { old, project } = input;
  const provider = old.resources.find((resource) => resource.urn === topLevelUrn(old.stack, project, PROVIDER_TYPE, PROVIDER_NAME));
  if (provider === undefined) return [`stack ${old.stack} has no provider ${PROVIDER_TYPE}::${PROVIDER_NAME}; is it a stack of this project's program?`];
  const deployed = provider.inputs?.clusterIdentifier;
  if (typeof deployed !== 'string') return [`stack ${old.stack}: its provider ${PROVIDER_NAME} records no clusterIdentifier input; cannot check that the new stacks keep it`];
  const why =
    `every new stack builds its Kubernetes provider from the settings file, and a provider whose identifier changes is replaced ` +
    `together with every object in the stack (deleted and created again; the protected ones refused)`;
  if (input.clusterIdentifier === undefined) {
    return [`${input.settingsFile}: mlp:clusterIdentifier is not set; set it to the old stack's identifier, \`mlp:clusterIdentifier: ${deployed}\`: ${why}`];
  }
  if (input.clusterIdentifier !== deployed) {
    return [
      `${input.settingsFile}: mlp:clusterIdentifier is ${JSON.stringify(input.clusterIdentifier)}, but stack ${old.stack} deployed with ${JSON.stringify(deployed)}; ` +
        `set \`mlp:clusterIdentifier: ${deployed}\`: ${why}`,
    ];
  }
  return [];
}

/** How two copies of a component differ (URNs without stack, ids, protection), or undefined when they are the same. */
function compareCopies(a: readonly StateResource[], b: readonly StateResource[]): string | undefined {
  const byKey = new Map(b.map((resource) => [urnKey(resource.urn), resource]));
  if (a.length !== b.length) return `${a.length} resources against ${b.length}`;
  for (const resource of a) {
    const other = byKey.get(urnKey(resource.urn));
    if (other === undefined) return `${urnKey(resource.urn)} is only in one`;
    if (other.id !== resource.id) return `${urnKey(resource.urn)} has id ${resource.id} in one and ${other.id} in the other`;
    if ((other.protect ?? false) !== (resource.protect ?? false)) return `${urnKey(resource.urn)} is protected in one only`;
  }
  return undefined;
}

/** What {@link verifySplit} found. */
export interface SplitCheck {
  /** Objects (custom resources but providers) of the units found again. */
  readonly objects: number;
  /** How many of them are protected. */
  readonly protected: number;
  /** Each difference; empty when every object is where it belongs with its id, uid and protection. */
  readonly problems: readonly string[];
}

/**
 * Compares the state before the split with the stacks after it: every
 * object of each unit is in the unit's stack, under the same URN but for the
 * stack, with the same id, the same `metadata.uid` and the same `protect`
 * flag, and none of them is left in the old stack.
 */
export function verifySplit(project: string, before: StackState, after: { readonly old: StackState; readonly targets: ReadonlyMap<string, StackState> }, units: readonly SplitUnit[]): SplitCheck {
  const problems: string[] = [];
  let objects = 0;
  let protectedObjects = 0;
  for (const unit of units) {
    const was = subtree(before, topLevelUrn(before.stack, project, unit.type, unit.name)).filter(isObject);
    const target = after.targets.get(unit.stack);
    const now = new Map((target === undefined ? [] : subtree(target, topLevelUrn(unit.stack, project, unit.type, unit.name))).map((resource) => [urnKey(resource.urn), resource]));
    for (const resource of was) {
      const key = urnKey(resource.urn);
      const moved = now.get(key);
      if (moved === undefined) {
        problems.push(`${key}: not in stack ${unit.stack}`);
        continue;
      }
      objects += 1;
      if (moved.id !== resource.id) problems.push(`${key}: id was ${resource.id}, is ${moved.id} in stack ${unit.stack}`);
      if (uidOf(moved) !== uidOf(resource)) problems.push(`${key}: metadata.uid was ${uidOf(resource)}, is ${uidOf(moved)} in stack ${unit.stack}`);
      const wasProtected = resource.protect ?? false;
      if ((moved.protect ?? false) !== wasProtected) problems.push(`${key}: protect was ${wasProtected}, is ${!wasProtected} in stack ${unit.stack}`);
      if (moved.protect) protectedObjects += 1;
    }
    const left = subtree(after.old, topLevelUrn(after.old.stack, project, unit.type, unit.name));
    if (left.length > 0) problems.push(`${unit.label}: ${left.length} resource(s) still in stack ${after.old.stack}`);
  }
  return { objects, protected: protectedObjects, problems };
}

/** A resource that stands for a Kubernetes object: custom, not a provider. */
function isObject(resource: StateResource): boolean {
  return resource.type.startsWith('kubernetes:');
}

function uidOf(resource: StateResource): unknown {
  return (resource.outputs?.metadata as { uid?: unknown } | undefined)?.uid;
}
