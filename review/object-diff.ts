/**
 * Field-level differences between two versions of a Kubernetes object, as a
 * reviewer reads them: `spec.hard.requests.nvidia.com/gpu: 8 → 16`, not
 * lines of YAML. Lists whose items all have a unique `name` (containers, env,
 * ports, volumes, subjects) are matched by name, so inserting an item shows
 * as one addition rather than a change of every later item.
 */
import { isJsonObject } from '../policy/json';

/** One changed field. */
export interface FieldChange {
  /**
   * The field: keys joined with `.`, list items as `[index]` or, in lists
   * matched by name, `[name]`. Keys are written as they are, dots included
   * (`spec.hard.requests.nvidia.com/gpu`).
   */
  readonly path: string;
  /** `added`: only after has it; `removed`: only before had it; `changed`: both, different. */
  readonly op: 'added' | 'removed' | 'changed';
  /** The value before; absent when added. */
  readonly before?: unknown;
  /** The value after; absent when removed. */
  readonly after?: unknown;
}

function joinKey(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The names of a list's items when every item is a mapping with a distinct string `name`. */
function itemNames(list: readonly unknown[]): string[] | undefined {
  const names = list.map((item) => (isJsonObject(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some((name) => name === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameValue(a[key], b[key]));
  }
  return false;
}

function diffInto(before: unknown, after: unknown, path: string, changes: FieldChange[]): void {
  if (sameValue(before, after)) return;
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const child = joinKey(path, key);
      if (!(key in after)) changes.push({ path: child, op: 'removed', before: before[key] });
      else if (!(key in before)) changes.push({ path: child, op: 'added', after: after[key] });
      else diffInto(before[key], after[key], child, changes);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeNames = itemNames(before);
    const afterNames = itemNames(after);
    if (beforeNames && afterNames && (before.length > 0 || after.length > 0)) {
      const order = [...afterNames, ...beforeNames.filter((name) => !afterNames.includes(name))];
      for (const name of order) {
        const child = `${path}[${name}]`;
        const was = beforeNames.indexOf(name);
        const is = afterNames.indexOf(name);
        if (is < 0) changes.push({ path: child, op: 'removed', before: before[was] });
        else if (was < 0) changes.push({ path: child, op: 'added', after: after[is] });
        else diffInto(before[was], after[is], child, changes);
      }
      return;
    }
    const scalars = [...before, ...after].every((item) => !isJsonObject(item) && !Array.isArray(item));
    if (!scalars) {
      const length = Math.max(before.length, after.length);
      for (let index = 0; index < length; index++) {
        const child = `${path}[${index}]`;
        if (index >= after.length) changes.push({ path: child, op: 'removed', before: before[index] });
        else if (index >= before.length) changes.push({ path: child, op: 'added', after: after[index] });
        else diffInto(before[index], after[index], child, changes);
      }
      return;
    }
  }
  // Scalars, lists of scalars (args, command) and values whose type changed: the whole value.
  changes.push({ path, op: 'changed', before, after });
}

/** Every changed field between two versions of an object, in path order within each mapping. */
export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  diffInto(before, after, '', changes);
  return changes;
}

/**
 * A value for one line of a review: scalars as they are (`16`, `16Gi`,
 * `true`), the empty string as `""`, lists and mappings as compact JSON,
 * shortened to `maxLength` characters.
 */
export function formatValue(value: unknown, maxLength = 120): string {
  let text: string;
  if (value === undefined) text = '(none)';
  else if (typeof value === 'string') text = value === '' || value.trim() !== value ? JSON.stringify(value) : value;
  else text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** One change as a line: `path: before → after`, `+ path: value` or `- path: value`. */
export function formatChange(change: FieldChange, maxLength = 120): string {
  switch (change.op) {
    case 'added':
      return `+ ${change.path}: ${formatValue(change.after, maxLength)}`;
    case 'removed':
      return `- ${change.path}: ${formatValue(change.before, maxLength)}`;
    default:
      return `~ ${change.path}: ${formatValue(change.before, maxLength)} → ${formatValue(change.after, maxLength)}`;
  }
}
