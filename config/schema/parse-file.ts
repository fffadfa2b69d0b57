/**
 * Reads one YAML input file into a validated value, or into problems that
 * name the file, the field path, the line and what is allowed.
 *
 * YAML is parsed as the 1.2 core schema: no custom tags, no merge keys, no
 * duplicate keys, a bounded number of alias expansions, one document.
 */
import { LineCounter, Node, Pair, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { Problem, formatPath } from '../problems';
import { describeValue } from './common';

/** Largest input file read; larger ones are refused before parsing. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Most alias expansions in one file (guards against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/** A file's display name and content. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** The problem of a file over {@link MAX_FILE_BYTES}. */
export function fileTooLargeProblem(file: string, bytes: number): Problem {
  return { file, message: `file is ${bytes} bytes; input files are limited to ${MAX_FILE_BYTES} bytes` };
}

/** Most YAML syntax problems reported for one file; a broken file can have thousands. */
const MAX_YAML_PROBLEMS = 20;

/** The outcome of parsing one file. */
export interface ParsedFile<T> {
  /** The validated value; absent when there are problems. */
  readonly value?: T;
  readonly problems: readonly Problem[];
  /** 1-based line of a field path in the file, where known. */
  readonly lineOf: (path: readonly PropertyKey[]) => number | undefined;
}

/** Parses and validates `file` against `schema`. */
export function parseFile<S extends z.ZodType>(file: SourceFile, schema: S): ParsedFile<z.output<S>> {
  const noLines = () => undefined;
  const byteLength = Buffer.byteLength(file.text, 'utf8');
  if (byteLength > MAX_FILE_BYTES) {
    return { problems: [fileTooLargeProblem(file.path, byteLength)], lineOf: noLines };
  }

  const lineCounter = new LineCounter();
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseYaml(file.text, lineCounter);
  } catch (error) {
    return { problems: [{ file: file.path, message: `invalid YAML: ${yamlErrorMessage(error)}` }], lineOf: noLines };
  }
  if (!Array.isArray(documents)) {
    return { problems: [{ file: file.path, message: 'the file is empty: expected a YAML mapping' }], lineOf: noLines };
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (documents.length === 0) {
    return { problems: [{ file: file.path, message: 'the file is empty: expected a YAML mapping' }], lineOf: noLines };
  }
  if (documents.length > 1) {
    const found = documents.length === 2 ? 'but a second one starts here' : `found ${documents.length}, the second starting here`;
    const message = `expected one YAML document, ${found}; remove this "---" and what follows, or move it to a file of its own`;
    return { problems: [{ file: file.path, line: lineAt(documents[1].range?.[0] ?? 0), message }], lineOf: noLines };
  }
  const document = documents[0];

  // Duplicate keys are reported with their names below, not as the parser's generic message.
  const yamlErrors = [...document.errors, ...document.warnings].filter((error) => error.code !== 'DUPLICATE_KEY');
  const yamlProblems: Problem[] = yamlErrors.slice(0, MAX_YAML_PROBLEMS).map((error) => ({
    file: file.path,
    line: lineAt(error.pos[0]),
    message: `invalid YAML: ${firstLine(error.message)}`,
  }));
  if (yamlErrors.length === 0) {
    yamlProblems.push(...duplicateKeys(document.contents).slice(0, MAX_YAML_PROBLEMS).map(({ key, offset, firstOffset }) => ({
      file: file.path,
      line: lineAt(offset),
      message: `invalid YAML: key ${JSON.stringify(key)} appears twice in one mapping (first on line ${lineAt(firstOffset)}); remove one of them`,
    })));
  }
  if (yamlErrors.length > MAX_YAML_PROBLEMS) {
    yamlProblems.push({ file: file.path, message: `invalid YAML: ${yamlErrors.length - MAX_YAML_PROBLEMS} more problems not shown` });
  }
  if (yamlProblems.length > 0) {
    return { problems: yamlProblems, lineOf: noLines };
  }

  const lineOf = (path: readonly PropertyKey[]) => {
    const offset = locate(document.contents, path);
    return offset === undefined ? undefined : lineAt(offset);
  };
  // A removed field (z.never, e.g. the platform's old spec.ingress) is wrong as a whole: report it at its key.
  const issueLine = (path: readonly PropertyKey[]) => {
    const offset = isRemovedField(schema, path) ? locate(document.contents, path, { atKey: true }) : locate(document.contents, path);
    return offset === undefined ? undefined : lineAt(offset);
  };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { problems: [{ file: file.path, message: `invalid YAML: ${yamlErrorMessage(error)}` }], lineOf: noLines };
  }

  // zod's records silently drop a "__proto__" key; refuse it instead of losing it.
  const protoPaths = protoKeyPaths(data);
  if (protoPaths.length > 0) {
    return {
      problems: protoPaths.map((path) => ({
        file: file.path,
        path: formatPath(path),
        line: lineOf(path),
        message: 'unknown field "__proto__"; this key is not allowed anywhere',
      })),
      lineOf: noLines,
    };
  }

  const result = schema.safeParse(data, { reportInput: true, error: defaultMessage });
  if (result.success) {
    return { value: result.data, problems: [], lineOf };
  }
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = fieldsAt(schema, issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({ file: file.path, path: formatPath(path), line: lineOf(path), message: unknownFieldMessage(key, allowed) });
      }
    } else if (issue.code === 'invalid_key') {
      // A bad key of a mapping (labels): the key schema's own messages, not zod's "Invalid key in record".
      for (const inner of issue.issues) {
        problems.push({ file: file.path, path: formatPath(issue.path) || undefined, line: lineOf(issue.path), message: inner.message });
      }
    } else {
      problems.push({ file: file.path, path: formatPath(issue.path) || undefined, line: issueLine(issue.path), message: issue.message });
    }
  }
  return { problems, lineOf };
}

/** Messages for issues whose schema sets none: what was expected and what was found. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${article(issue.expected)})`;
      return `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `expected at least ${issue.minimum} characters`;
      return `expected a number >= ${issue.minimum}, got ${describeValue(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      return `expected a number <= ${issue.maximum}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}, got ${describeValue(issue.input)}`;
    case 'invalid_union':
      return `got ${describeValue(issue.input)}, which matches none of the allowed forms`;
    default:
      return undefined;
  }
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
    record: 'a mapping',
  };
  return names[expected] ?? expected;
}

function unknownFieldMessage(key: string, allowed: readonly string[]): string {
  const suggestion = closest(key, allowed);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  const list = allowed.length > 0 ? `; allowed fields: ${allowed.join(', ')}` : '';
  return `unknown field "${key}"${hint}${list}`;
}

/** The closest allowed name within a small edit distance, for typos like `gpuz`. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

type SchemaDef = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
};

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The object schemas a value at `path` may match (several for unions). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): SchemaDef[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'optional':
    case 'nullable':
    case 'prefault':
      return objectsAt(def.innerType!, path);
    case 'pipe':
      // z.preprocess(fn, schema) is a pipe from a transform: the fields are the schema's.
      return objectsAt(defOf(def.in!).type === 'transform' ? def.out! : def.in!, path);
    case 'union':
      return def.options!.flatMap((option) => objectsAt(option, path));
    case 'object':
      if (path.length === 0) return [def];
      return def.shape && String(path[0]) in def.shape ? objectsAt(def.shape[String(path[0])], path.slice(1)) : [];
    case 'array':
      return path.length === 0 ? [] : objectsAt(def.element!, path.slice(1));
    case 'record':
      return path.length === 0 ? [] : objectsAt(def.valueType!, path.slice(1));
    default:
      return [];
  }
}

function isRemoved(schema: z.ZodType): boolean {
  const def = defOf(schema);
  if (def.type === 'optional') return isRemoved(def.innerType!);
  return def.type === 'never';
}

/** Whether the field at `path` is a removed one (z.never) in every object schema it may belong to. */
function isRemovedField(schema: z.ZodType, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  const name = String(path[path.length - 1]);
  const fields = objectsAt(schema, path.slice(0, -1)).flatMap((def) => (def.shape && name in def.shape ? [def.shape[name]] : []));
  return fields.length > 0 && fields.every(isRemoved);
}

/** The field names a mapping at `path` allows. */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const names = new Set<string>();
  for (const def of objectsAt(schema, path)) {
    // A removed field (z.never, e.g. the platform's old spec.ingress) is not offered.
    for (const [name, field] of Object.entries(def.shape ?? {})) if (!isRemoved(field)) names.add(name);
  }
  return [...names];
}

/**
 * Offset of the node at `path` (with `atKey`, of its key when it is a mapping's field), or of
 * the key of the mapping that lacks the next field.
 */
function locate(root: unknown, path: readonly PropertyKey[], options: { readonly atKey?: boolean } = {}): number | undefined {
  let node = root;
  let offset = rangeStart(node);
  let keyOffset = offset;
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item: Pair) => isScalar(item.key) && String(item.key.value) === String(segment));
      // A missing field is reported at the key of the mapping that lacks it.
      if (!pair) return keyOffset;
      offset = rangeStart(pair.key) ?? offset;
      keyOffset = offset;
      if (options.atKey && index === path.length - 1) return keyOffset;
      node = pair.value;
      offset = rangeStart(node) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
      if (node === undefined) return offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Keys that repeat within one mapping, anywhere in the document. */
function duplicateKeys(root: unknown): Array<{ key: string; offset: number; firstOffset: number }> {
  const found: Array<{ key: string; offset: number; firstOffset: number }> = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          const offset = rangeStart(pair.key) ?? 0;
          const earlier = first.get(key);
          if (earlier === undefined) first.set(key, offset);
          else found.push({ key, offset, firstOffset: earlier });
        }
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      node.items.forEach(visit);
    }
  };
  visit(root);
  return found;
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? ((node as Node).range?.[0] ?? undefined) : undefined;
}

/** Parses YAML 1.2 core: no custom tags, no merge keys, no duplicate keys. */
function parseYaml(text: string, lineCounter: LineCounter) {
  return parseAllDocuments(text, {
    lineCounter,
    schema: 'core',
    merge: false,
    uniqueKeys: true,
    customTags: [],
    resolveKnownTags: false,
    prettyErrors: false,
  });
}

/** The message of an error thrown while reading YAML, in the user's terms. */
function yamlErrorMessage(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return 'the document is nested too deeply';
  }
  return firstLine((error as Error).message);
}

/** Paths of every "__proto__" key in parsed data. */
function protoKeyPaths(data: unknown, path: PropertyKey[] = [], found: PropertyKey[][] = [], seen = new WeakSet<object>()): PropertyKey[][] {
  if (data === null || typeof data !== 'object' || seen.has(data)) return found;
  seen.add(data); // aliases can make the data circular
  if (Array.isArray(data)) {
    data.forEach((item, index) => protoKeyPaths(item, [...path, index], found, seen));
  } else {
    for (const key of Object.keys(data)) {
      if (key === '__proto__') found.push([...path, key]);
      else protoKeyPaths((data as Record<string, unknown>)[key], [...path, key], found, seen);
    }
  }
  return found;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
