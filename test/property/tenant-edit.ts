/**
 * Editing generated tenant files: their data as nodes with paths, copies of
 * the data with one value changed, YAML documents with raw text where the
 * data model cannot express it, and the mutated file with a description
 * that fast-check prints in counterexamples.
 */
import * as fc from 'fast-check';
import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { GeneratedTenant } from './tenant-arbitraries';

/** A field path in a tenant file. */
export type FieldPath = ReadonlyArray<string | number>;

export type NodeType = 'map' | 'seq' | 'string' | 'number' | 'boolean' | 'null';

/** A node of a tenant file's data, in document order. */
export interface DataNode {
  readonly path: FieldPath;
  readonly type: NodeType;
}

function typeOf(value: unknown): NodeType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'seq';
  if (typeof value === 'object') return 'map';
  return typeof value as 'string' | 'number' | 'boolean';
}

/** Every node below the root of `value`, in document order. */
export function nodesOf(value: unknown, path: FieldPath = []): DataNode[] {
  const nodes: DataNode[] = path.length > 0 ? [{ path, type: typeOf(value) }] : [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => nodes.push(...nodesOf(item, [...path, index])));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) nodes.push(...nodesOf(item, [...path, key]));
  }
  return nodes;
}

/** The value at `path`. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((value, segment) => (value as Record<string | number, unknown>)[segment], data);
}

// ---------------------------------------------------------------------------
// Raw YAML: text the data model cannot express (`.inf`, `0x10`, deep nesting).

const RAW_TOKEN = 'RAWYAMLTOKEN';

/**
 * A document of `tenant` with `raw` YAML text at `path` (replacing its value,
 * or added as a new key of the mapping at `path` when `addKey` is given).
 */
export function withRaw(tenant: GeneratedTenant, path: FieldPath, raw: string, addKey?: string): string {
  return withRaws(tenant, [{ path, raw, addKey }]);
}

/** A document of `tenant` with several pieces of raw YAML text (see {@link withRaw}). */
export function withRaws(tenant: GeneratedTenant, pieces: ReadonlyArray<{ path: FieldPath; raw: string; addKey?: string }>): string {
  const doc = documentOf(tenant);
  pieces.forEach(({ path, addKey }, index) => {
    const token = new Scalar(`${RAW_TOKEN}${index}X`);
    if (addKey !== undefined) {
      (doc.getIn(path, true) as YAMLMap).items.push(new Pair(new Scalar(addKey), token));
    } else {
      doc.setIn(path, token);
    }
  });
  let text = doc.toString({ lineWidth: 0, indent: tenant.style.indent });
  pieces.forEach(({ raw }, index) => {
    const pattern = new RegExp(`(["']?)${RAW_TOKEN}${index}X\\1`);
    if (!pattern.test(text)) throw new Error(`raw token ${index} not found in ${text}`);
    text = text.replace(pattern, () => raw);
  });
  return text;
}

/** The tenant file as a YAML document, for mutations of its syntax tree. */
export function documentOf(tenant: GeneratedTenant): Document {
  return new Document(tenant.doc, { aliasDuplicateObjects: false });
}

/** The document written in the tenant's YAML style. */
export function render(doc: Document, tenant: GeneratedTenant): string {
  return doc.toString({
    indent: tenant.style.indent,
    defaultStringType: tenant.style.defaultStringType,
    defaultKeyType: 'PLAIN',
    collectionStyle: tenant.style.collectionStyle,
    lineWidth: 0,
  });
}

/** A deep copy of the data with `value` at `path` (or the key deleted when `value` is `DELETE`). */
export const DELETE = Symbol('delete');
export function setData(data: unknown, path: FieldPath, value: unknown): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    // defineProperty, so that keys such as __proto__ become ordinary keys.
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** What a mutation did, what the file is now, and what must happen. */
export interface Mutated {
  readonly tenant: GeneratedTenant;
  /** A short description for counterexamples. */
  readonly mutation: string;
  readonly content: string | Uint8Array;
  /** The file can never be valid after this mutation. */
  readonly mustFail: boolean;
  /** A problem must name this field path (as formatted in messages). */
  readonly expectPath?: string;
  /** A problem message must match this. */
  readonly expectMessage?: RegExp;
  /** When the file still loads, this environment variable or tenant label must be in the output. */
  readonly expectKept?: { readonly env: string; readonly workload: string; readonly value: string } | { readonly label: string; readonly value: string };
}

/** Up to `max` characters of `content`, for counterexamples. */
function preview(content: string | Uint8Array, max = 4000): string {
  const text = typeof content === 'string' ? content : `(${content.length} bytes) ${Buffer.from(content.subarray(0, max / 2)).toString('hex')}`;
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}

/**
 * Pins the fields of a mutation and how fast-check prints it in a
 * counterexample: the mutation, then the mutated file.
 */
export function printable(fields: Mutated): Mutated {
  return Object.defineProperty(fields, fc.toStringMethod, {
    value: () => `mutation: ${fields.mutation}${fields.mustFail ? ' (must fail)' : ''}\n--- ${fields.tenant.name}.yaml ---\n${preview(fields.content)}`,
    enumerable: false,
  });
}
