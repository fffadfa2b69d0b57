/**
 * Mutations of valid tenant files (from tenant-arbitraries.ts): each is a
 * function from a generated tenant to an arbitrary of {@link Mutated}, the
 * file's new content with a description of what changed (printed by
 * fast-check in counterexamples, see {@link printable}).
 *
 * A mutation either always makes the file invalid (`mustFail`, often with
 * the field path or message the error must have) or may leave it valid (a
 * quantity that becomes a number, a string that is still allowed...); then
 * the file must load and synthesize like any valid file.
 */
import * as fc from 'fast-check';
import { Alias, Document, Pair, Scalar, YAMLMap } from 'yaml';
import { formatPath } from '../../config/problems';
import { GeneratedTenant, tenantText, validTenant } from './tenant-arbitraries';
import { DELETE, DataNode, FieldPath, Mutated, NodeType, documentOf, nodesOf, printable, render, setData, valueAt, withRaw, withRaws } from './tenant-edit';

/** Mappings whose keys are free (records), where an extra key is not an unknown field. */
function isRecordPath(path: FieldPath): boolean {
  const last = path[path.length - 1];
  return last === 'env' || last === 'labels';
}

/** `path` without its last segment. */
const parentOf = (path: FieldPath): FieldPath => path.slice(0, -1);

/**
 * The path a problem about the value at `path` names: the field itself,
 * except inside a subject (`{user: NAME}` or `{group: NAME}`), a union whose
 * problems name the subject.
 */
function problemPath(path: FieldPath): string {
  const subjectField = /^spec\.(owners|members|viewers)\[\d+\]\.(user|group)$/;
  return formatPath(subjectField.test(formatPath(path)) ? parentOf(path) : path);
}

// ---------------------------------------------------------------------------
// Mutations

/** A value of another type than `type`. */
function valueOfOtherType(type: NodeType): fc.Arbitrary<{ other: NodeType; value: unknown }> {
  const byType: Record<NodeType, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('', 'yes', 'null', '4', '1e3', '~')),
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    boolean: fc.boolean(),
    seq: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 2 }),
    map: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
    null: fc.constant(null),
  };
  return fc.constantFrom(...(Object.keys(byType) as NodeType[]).filter((other) => other !== type)).chain((other) => byType[other].map((value) => ({ other, value })));
}

/** (1) A value of the wrong type at a random path. A mapping, list or null where none was is never valid. */
export const wrongType = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc.constantFrom(...nodesOf(tenant.doc)).chain((node) =>
    valueOfOtherType(node.type).map(({ other, value }) => {
      const mustFail = other === 'map' || other === 'seq' || other === 'null';
      return {
        tenant,
        mutation: `${formatPath(node.path)}: ${node.type} -> ${other} ${JSON.stringify(value)}`,
        content: render(new Document(setData(tenant.doc, node.path, value)), tenant),
        mustFail,
        ...(mustFail && { expectPath: problemPath(node.path) }),
      };
    }),
  );

/** Numbers the schema must refuse or handle: negative, huge, fractional, not finite; as data and as raw YAML. */
const OUT_OF_RANGE_VALUES: readonly unknown[] = [-1, -0.5, 0.5, 1.5, 1e-7, 5e-324, 1e21, 1e300, 2 ** 53 + 2, 1_000_001, 65536, -1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'NaN', 'Infinity', '-1', '1e400'];
const OUT_OF_RANGE_RAW: readonly string[] = ['.nan', '.inf', '-.inf', '1e309', '-1e309', '0x7fffffffffffffff', '0o17', '1_000', '+5', '-0', '1e21', '9007199254740993', '1e-7', '4.0', '12e3', '0.0000001', '1.', '.5'];

/** Scalars that are numbers or written as numbers: counts, ports, percentages, quantities, durations. */
function numericNodes(tenant: GeneratedTenant): DataNode[] {
  const numeric = nodesOf(tenant.doc).filter((node) => node.type === 'number' || (node.type === 'string' && /^\d/.test(String(valueAt(tenant.doc, node.path)))));
  return numeric.length > 0 ? numeric : nodesOf(tenant.doc).filter((node) => node.type === 'string');
}

/** (2) An out-of-range number in a random numeric field. */
export const outOfRange = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .constantFrom(...numericNodes(tenant))
    .chain((node) =>
      fc.oneof(
        fc.constantFrom(...OUT_OF_RANGE_VALUES).map((value) => ({
          tenant,
          mutation: `${formatPath(node.path)} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
          content: render(new Document(setData(tenant.doc, node.path, value)), tenant),
          mustFail: false,
        })),
        fc.constantFrom(...OUT_OF_RANGE_RAW).map((raw) => ({
          tenant,
          mutation: `${formatPath(node.path)}: ${raw} (raw YAML)`,
          content: withRaw(tenant, node.path, raw),
          mustFail: false,
        })),
      ),
    );

/** Fields without a default. */
const REQUIRED: readonly RegExp[] = [
  /^(apiVersion|kind|metadata|spec)$/,
  /^metadata\.name$/,
  /^spec\.(costCenter|owners)$/,
  /^spec\.(trainingJobs|modelServices)\[\d+\]\.(name|image)$/,
  /^spec\.trainingJobs\[\d+\]\.checkpoint\.size$/,
  /^spec\.modelServices\[\d+\]\.expose\.type$/,
  /^spec\.policyWaivers\[\d+\]\.(policy|reason)$/,
  /^spec\.(owners|members|viewers)\[\d+\]\.(user|group)$/,
];

/** (3) A required field deleted: the error names it. */
export const deleteRequired = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .constantFrom(
      ...nodesOf(tenant.doc)
        .filter((node) => REQUIRED.some((pattern) => pattern.test(formatPath(node.path))))
        .map((node) => ({ path: node.path, expectPath: problemPath(node.path) })),
    )
    .map(({ path, expectPath }) => ({
      tenant,
      mutation: `delete ${formatPath(path)}`,
      content: render(new Document(setData(tenant.doc, path, DELETE)), tenant),
      mustFail: true,
      expectPath,
    }));

/** (3b) Any field or list item deleted: valid when it had a default, the clear error otherwise. */
export const deleteAny = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc.constantFrom(...nodesOf(tenant.doc)).map((node) => ({
    tenant,
    mutation: `delete ${formatPath(node.path)}`,
    content: render(new Document(setData(tenant.doc, node.path, DELETE)), tenant),
    mustFail: false,
  }));

/** Keys that are not fields anywhere, including ones that are special in JavaScript or YAML. */
const UNKNOWN_KEYS = fc.oneof(
  fc.constantFrom('gpuz', 'Name', 'NAME', 'name ', ' name', '__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', '<<', '', ' ', 'a.b', '0', '[0]', '-', '?', '#', 'ünïcödé', '🙂', 'x'.repeat(1025), 'true', 'null'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);
const SCALARS: fc.Arbitrary<unknown> = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));

/** (4) An unknown field in a random mapping (not a record such as env or labels): the error names it. */
export const unknownField = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .tuple(
      fc.constantFrom(...[{ path: [] as FieldPath, type: 'map' as const }, ...nodesOf(tenant.doc)].filter((node) => node.type === 'map' && !isRecordPath(node.path))),
      UNKNOWN_KEYS,
      SCALARS,
    )
    .filter(([node, key]) => {
      const map = valueAt(tenant.doc, node.path) as Record<string, unknown>;
      return !Object.prototype.hasOwnProperty.call(map, key);
    })
    .map(([node, key, value]) => ({
      tenant,
      mutation: `${formatPath([...node.path, key])} = ${JSON.stringify(value)}`,
      content: render(new Document(setData(tenant.doc, [...node.path, key], value)), tenant),
      mustFail: true,
      expectPath: formatPath([...node.path, key]),
      expectMessage: /^unknown field /,
    }));

/** Strings that are hard on parsers, regular expressions, label and name rules, and JavaScript objects. */
const NASTY_STRINGS: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '', ' ', '\u0000', '\u202Eevil', 'zero\u200Bwidth', '\uFEFFbom', 'line\nbreak', 'tab\there', 'a: b', '- x', '*alias', '&anchor', '!tag', '{}', '[]', '"', "'", '#',
    '/', '/\u0000', '//', '/..', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'system:masters', 'ＡＢＣ', 'İ', 'ß', '🙂🙂',
  ),
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.constantFrom(1000, 10_000)).map(([unit, count]) => unit.repeat(count).slice(0, count * 2)),
  fc.constantFrom('x', 'a-', 'a ', '9', '/a', 'aa\n').map((unit) => unit.repeat(10_000)),
);

/**
 * (5) Unicode, control characters and 10k-character strings in a random
 * string field: instead of its value, or before or after it (which keeps
 * the form of paths, images and names, so that the field may stay valid).
 */
export const nastyString = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .tuple(fc.constantFrom(...nodesOf(tenant.doc).filter((node) => node.type === 'string')), NASTY_STRINGS, fc.constantFrom('replace', 'append', 'prepend'))
    .map(([node, nasty, where]) => {
      const original = String(valueAt(tenant.doc, node.path));
      const value = where === 'replace' ? nasty : where === 'append' ? `${original}${nasty}` : `${nasty}${original}`;
      return {
        tenant,
        mutation: `${formatPath(node.path)}: ${where} ${JSON.stringify(nasty.length > 80 ? `${nasty.slice(0, 40)}... (${nasty.length} characters)` : nasty)}`,
        content: render(new Document(setData(tenant.doc, node.path, value)), tenant),
        mustFail: false,
      };
    });

/** Names that are properties of every JavaScript object. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'prototype'] as const;

/**
 * (5b) Names that are properties of every JavaScript object, as a GPU type
 * (never a GPU type of the platform: refused), an environment variable name
 * or a tenant label key (refused, or kept: never silently dropped).
 */
export const prototypeName = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> => {
  const workloads = nodesOf(tenant.doc).filter((node) => /^spec\.(trainingJobs|modelServices)\[\d+\]$/.test(formatPath(node.path)));
  const nameOf = (path: FieldPath) => String((valueAt(tenant.doc, path) as { name: string }).name);
  const envOf = (path: FieldPath) => (valueAt(tenant.doc, path) as { env?: object }).env ?? {};
  const labels = (tenant.doc.metadata as { labels?: object }).labels ?? {};
  const choices: Array<fc.Arbitrary<Mutated>> = [
    fc.constantFrom(...PROTOTYPE_NAMES).map((name) => ({
      tenant,
      mutation: `metadata.labels[${JSON.stringify(name)}] = "kept"`,
      content: render(new Document(setData(tenant.doc, ['metadata', 'labels'], { ...labels, [name]: 'kept' })), tenant),
      mustFail: false,
      expectKept: { label: name, value: 'kept' },
    })),
  ];
  if (workloads.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...workloads), fc.constantFrom(...PROTOTYPE_NAMES)).map(([workload, name]) => ({
        tenant,
        mutation: `${formatPath([...workload.path, 'gpuType'])} = ${JSON.stringify(name)}`,
        content: render(new Document(setData(tenant.doc, [...workload.path, 'gpuType'], name)), tenant),
        mustFail: true,
        expectPath: formatPath([...workload.path, 'gpuType']),
      })),
      fc.tuple(fc.constantFrom(...workloads), fc.constantFrom(...PROTOTYPE_NAMES)).map(([workload, name]) => {
        const env = Object.defineProperty({ ...envOf(workload.path) }, name, { value: 'kept', enumerable: true, writable: true, configurable: true });
        return {
          tenant,
          mutation: `${formatPath([...workload.path, 'env', name])} = "kept"`,
          content: render(new Document(setData(tenant.doc, [...workload.path, 'env'], env)), tenant),
          mustFail: false,
          expectKept: { env: name, workload: nameOf(workload.path), value: 'kept' },
        };
      }),
    );
  }
  return fc.oneof(...choices);
};

// ---------------------------------------------------------------------------
// Anchors, aliases, merge keys, duplicate keys, tags

/** Pairs of fields (first before second) that can hold the same value. */
function aliasablePairs(tenant: GeneratedTenant): Array<[FieldPath, FieldPath]> {
  const paths = nodesOf(tenant.doc).map((node) => node.path);
  const text = (path: FieldPath) => formatPath(path);
  const matching = (pattern: RegExp) => paths.filter((path) => pattern.test(text(path)));
  const pairs: Array<[FieldPath, FieldPath]> = [];
  const addPairs = (sources: FieldPath[], targets: FieldPath[]) => {
    for (const source of sources) {
      for (const target of targets) {
        if (paths.indexOf(source) < paths.indexOf(target) && !text(target).startsWith(`${text(source)}.`) && !text(target).startsWith(`${text(source)}[`)) pairs.push([source, target]);
      }
    }
  };
  addPairs(matching(/^spec\.(trainingJobs|modelServices)\[\d+\]\.image$/), matching(/^spec\.(trainingJobs|modelServices)\[\d+\]\.image$/));
  addPairs(matching(/^spec\.(trainingJobs|modelServices)\[\d+\]\.(command|args)$/), matching(/^spec\.(trainingJobs|modelServices)\[\d+\]\.(command|args)$/));
  addPairs(matching(/^spec\.(trainingJobs|modelServices)\[\d+\]\.env$/), matching(/^spec\.modelServices\[\d+\]\.env$/));
  addPairs(matching(/^spec\.owners$/), matching(/^spec\.(members|viewers)$/));
  addPairs(matching(/^spec\.(owners|members|viewers)\[\d+\]$/), matching(/^spec\.(owners|members|viewers)\[\d+\]$/));
  addPairs(matching(/^spec\.monitoring\.gpuIdleFor$/), matching(/^spec\.monitoring\.maxReplicasFor$/));
  addPairs(matching(/^spec\.trainingJobs\[\d+\]\.checkpoint$/), matching(/^spec\.trainingJobs\[\d+\]\.checkpoint$/));
  return pairs;
}

/** A tenant file written out, and the same data written with an anchor and an alias. */
export interface AliasPair {
  readonly tenant: GeneratedTenant;
  readonly mutation: string;
  readonly expanded: string;
  readonly aliased: string;
}

/** (6a) Anchors and aliases: writing a value once and aliasing it must mean exactly what writing it twice means. */
export const aliasEquivalence: fc.Arbitrary<AliasPair> = validTenant()
  .filter((tenant) => aliasablePairs(tenant).length > 0)
  .chain((tenant) =>
    fc.constantFrom(...aliasablePairs(tenant)).map(([source, target]) => {
      const value = valueAt(tenant.doc, source);
      const expandedData = setData(tenant.doc, target, value);
      const doc = new Document(tenant.doc, { aliasDuplicateObjects: false });
      const node = doc.getIn(source, true) as Scalar | YAMLMap;
      doc.setIn(target, doc.createAlias(node, 'shared'));
      const pair: AliasPair = {
        tenant,
        mutation: `${formatPath(target)}: *shared (anchored at ${formatPath(source)})`,
        expanded: render(new Document(expandedData, { aliasDuplicateObjects: false }), tenant),
        aliased: render(doc, tenant),
      };
      return Object.defineProperty(pair, fc.toStringMethod, { value: () => `${pair.mutation}\n--- ${tenant.name}.yaml ---\n${pair.aliased}`, enumerable: false });
    }),
  );

/** (6b) A merge key `<<` in a random mapping, merging an earlier mapping or an inline one: never merged, always an error. */
export const mergeKey = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> => {
  const maps = [{ path: [] as FieldPath, type: 'map' as const }, ...nodesOf(tenant.doc)].filter((node) => node.type === 'map');
  return fc.tuple(fc.constantFrom(...maps), fc.constantFrom(...maps), fc.boolean()).map(([target, source, inline]) => {
    const doc = documentOf(tenant);
    const map = (target.path.length === 0 ? doc.contents : doc.getIn(target.path, true)) as YAMLMap;
    const earlier = maps.indexOf(source) < maps.indexOf(target);
    let value: unknown;
    if (!inline && earlier && source.path.length > 0) {
      value = doc.createAlias(doc.getIn(source.path, true) as YAMLMap, 'base');
    } else {
      value = doc.createNode({ gpu: 64, cpu: '1000' });
    }
    map.items.push(new Pair(new Scalar('<<'), value));
    return {
      tenant,
      mutation: `${formatPath([...target.path, '<<'])}: ${value instanceof Alias ? `*base (${formatPath(source.path)})` : '{gpu: 64, cpu: "1000"}'}`,
      content: render(doc, tenant),
      mustFail: true,
      expectPath: formatPath([...target.path, '<<']),
    };
  });
};

/** (6c) Alias trouble: an alias to no anchor, a self-referential anchor, an alias bomb. */
export const aliasTrouble = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> => {
  const nodes = nodesOf(tenant.doc);
  const maps = [{ path: [] as FieldPath, type: 'map' as const }, ...nodes].filter((node) => node.type === 'map');
  return fc.oneof(
    fc.constantFrom(...nodes).map((node) => ({
      tenant,
      mutation: `${formatPath(node.path)}: *missing`,
      content: withRaw(tenant, node.path, '*missing'),
      mustFail: true,
    })),
    fc.tuple(fc.constantFrom(...nodes), fc.constantFrom('&loop [*loop]', '&loop {a: *loop}', '&loop [[*loop, *loop]]')).map(([node, raw]) => ({
      tenant,
      mutation: `${formatPath(node.path)}: ${raw}`,
      content: withRaw(tenant, node.path, raw),
      mustFail: true,
    })),
    // Every string at once, so that every field's error message meets a cycle.
    fc.constantFrom('[*loop]', '{a: *loop}').map((shape) => {
      const strings = nodes.filter((node) => node.type === 'string');
      return {
        tenant,
        mutation: `every string field: &loopN ${shape.replace('loop', 'loopN')}`,
        content: withRaws(tenant, strings.map((node, index) => ({ path: node.path, raw: `&loop${index} ${shape.replace('loop', `loop${index}`)}` }))),
        mustFail: true,
      };
    }),
    // Bombs that expand to at least 1,000 values: far over the limit of alias expansions.
    fc.tuple(fc.constantFrom(...maps), fc.integer({ min: 3, max: 9 }), fc.integer({ min: 2, max: 12 })).filter(([, depth, width]) => width ** depth >= 1000).map(([node, depth, width]) => {
      const levels = [`&l0 [${Array(width).fill('"lol"').join(', ')}]`];
      for (let level = 1; level < depth; level++) levels.push(`&l${level} [${Array(width).fill(`*l${level - 1}`).join(', ')}]`);
      const raw = `[${levels.join(', ')}]`;
      return {
        tenant,
        mutation: `${formatPath([...node.path, 'bomb'])}: alias bomb ${width}^${depth}`,
        content: withRaw(tenant, node.path, raw, 'bomb'),
        mustFail: true,
        expectMessage: /alias/i,
      };
    }),
  );
};

/** (7) A duplicate key in a random mapping, with the same or another value. */
export const duplicateKey = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> => {
  const maps = [{ path: [] as FieldPath, type: 'map' as const }, ...nodesOf(tenant.doc)].filter((node) => node.type === 'map' && Object.keys(valueAt(tenant.doc, node.path) as object).length > 0);
  return fc.tuple(fc.constantFrom(...maps), fc.nat(), fc.boolean()).map(([node, index, sameValue]) => {
    const doc = documentOf(tenant);
    const map = (node.path.length === 0 ? doc.contents : doc.getIn(node.path, true)) as YAMLMap;
    const pair = map.items[index % map.items.length];
    const key = (pair.key as Scalar).value;
    map.items.push(new Pair(new Scalar(key), sameValue ? doc.createNode(structuredClone(doc.getIn([...node.path, key as string]))) : new Scalar('other')));
    return {
      tenant,
      mutation: `${formatPath([...node.path, key as string])} twice${sameValue ? ' (same value)' : ''}`,
      content: render(doc, tenant),
      mustFail: true,
      expectMessage: /appears twice in one mapping/,
    };
  });
};

/** Tags outside YAML 1.2's core schema: never resolved, never run. */
const FOREIGN_TAGS = [
  'tag:yaml.org,2002:js/function', 'tag:yaml.org,2002:js/undefined', 'tag:yaml.org,2002:js/regexp', '!include', '!Ref', '!!python/object:os.system',
  'tag:yaml.org,2002:python/object/apply:os.system', 'tag:yaml.org,2002:binary', 'tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:timestamp', '!custom', 'tag:example.com,2024:x',
];
const CORE_TAGS = ['tag:yaml.org,2002:str', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq'];

/** (8) A tag on a random node: foreign tags are always refused; core tags may be valid. */
export const customTag = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc.tuple(fc.constantFrom(...[{ path: [] as FieldPath, type: 'map' as const }, ...nodesOf(tenant.doc)]), fc.constantFrom(...FOREIGN_TAGS, ...CORE_TAGS)).map(([node, tag]) => {
    const doc = documentOf(tenant);
    const target = (node.path.length === 0 ? doc.contents : doc.getIn(node.path, true)) as Scalar | YAMLMap;
    const tagName = tag.startsWith('!!') ? `tag:yaml.org,2002:${tag.slice(2)}` : tag;
    target.tag = tagName;
    const foreign = FOREIGN_TAGS.includes(tag);
    return { tenant, mutation: `${formatPath(node.path) || '(document)'}: ${tag}`, content: render(doc, tenant), mustFail: foreign, ...(foreign && { expectMessage: /Unresolved tag/ }) };
  });

// ---------------------------------------------------------------------------
// Documents, nesting, garbage

/** (9) Several documents in one file: the tenant's and others. */
export const multipleDocuments = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .tuple(fc.array(fc.oneof(validTenant().map(tenantText), fc.constant(tenantText(tenant)), fc.constantFrom('x\n', '{}\n', '- 1\n', 'null\n')), { minLength: 1, maxLength: 2 }), fc.constantFrom('---\n', '...\n---\n', '--- # next\n'))
    .map(([others, separator]) => ({
      tenant,
      mutation: `${others.length + 1} documents separated by ${JSON.stringify(separator)}`,
      content: [tenantText(tenant), ...others].join(separator),
      mustFail: true,
      expectMessage: /expected one YAML document/,
    }));

/** Deeply nested YAML of `depth` levels, in flow or block style. */
function nested(kind: 'flow-seq' | 'flow-map' | 'unclosed' | 'block-seq', depth: number): string {
  switch (kind) {
    case 'flow-seq':
      return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 'flow-map':
      return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
    case 'unclosed':
      return '[{'.repeat(depth);
    case 'block-seq':
      return `\n${'- '.repeat(depth)}1`;
  }
}

/** (10) Deeply nested documents (1,000 and 10,000 levels; 100,000 in huge-files.test.ts) at a random path. */
export const deepNesting = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .tuple(fc.constantFrom(...nodesOf(tenant.doc)), fc.constantFrom('flow-seq', 'flow-map', 'unclosed', 'block-seq') as fc.Arbitrary<'flow-seq' | 'flow-map' | 'unclosed' | 'block-seq'>, fc.constantFrom(1000, 10_000))
    .map(([node, kind, depth]) => ({
      tenant,
      mutation: `${formatPath(node.path)}: ${kind} nested ${depth} levels`,
      content: kind === 'block-seq' ? `${tenantText(tenant)}deep:${nested(kind, depth)}\n` : withRaw(tenant, node.path, nested(kind, depth)),
      mustFail: true,
    }));

/** (11) Binary garbage instead of the file. */
export const garbage = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .oneof(
      fc.uint8Array({ maxLength: 4096 }),
      fc.constantFrom(Uint8Array.from([0xff, 0xfe]), Uint8Array.from([0, 0, 0]), Uint8Array.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Uint8Array.from([0xc3]), Uint8Array.from([0x1b, 0x5b, 0x32, 0x4a])),
    )
    .map((bytes) => ({
      tenant,
      mutation: bytes.length > 16 ? `${bytes.length} random bytes` : `bytes ${Buffer.from(bytes).toString('hex')}`,
      content: bytes,
      mustFail: true,
    }));

/** (11b) Random bytes spliced into the file at a random offset. */
export const splicedGarbage = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, where]) => {
    const text = Buffer.from(tenantText(tenant), 'utf8');
    const offset = Math.floor(where * text.length);
    return {
      tenant,
      mutation: `${bytes.length} bytes ${Buffer.from(bytes).toString('hex')} at offset ${offset}`,
      content: Buffer.concat([text.subarray(0, offset), Buffer.from(bytes), text.subarray(offset)]),
      mustFail: false,
    };
  });

/** Mutations that always make the file invalid. */
export const breakingMutation = (tenant: GeneratedTenant): fc.Arbitrary<Mutated> =>
  fc
    .oneof(
      unknownField(tenant),
      deleteRequired(tenant),
      duplicateKey(tenant),
      mergeKey(tenant),
      customTag(tenant).filter((mutation) => mutation.mustFail),
      garbage(tenant),
      multipleDocuments(tenant),
      aliasTrouble(tenant),
      wrongType(tenant).filter((mutation) => mutation.mustFail),
    )
    .map(printable);
