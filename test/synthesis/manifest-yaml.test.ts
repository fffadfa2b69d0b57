import { stringify } from 'yaml';
import { loadConfig } from '../../config/load';
import { MANIFEST_YAML_OPTIONS, manifestYaml } from '../../synthesis/manifest-yaml';
import { synthesizeAll } from '../../stacks/synth';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';

const reference = (value: unknown) => stringify(value, MANIFEST_YAML_OPTIONS);

/** Strings on the edges of yaml's rules: plain, quoted, single-quoted, block, or left to yaml. */
const TRICKY_STRINGS = [
  '', ' ', 'a', 'plain text', 'registry.ml.example.com/nlp/llm-server:1.8.0', 'img@sha256:3f6c', 's3://bucket/key', 'http://x:80/a#b',
  '160', '-1', '+1', '0.5', '.5', '1.', '1e3', '1E-3', '0o17', '0x1F', '0xZZ', '.inf', '-.Inf', '.nan', 'NaN', 'true', 'False', 'TRUE',
  'yes', 'no', 'on', 'off', 'null', 'Null', 'NULL', '~', '-', '?', '- a', '? a', '-a', '?a', ':', 'a:', 'a: b', 'a:b', 'a :b',
  '#', 'a #b', 'a#b', ' a', 'a ', '\ta', 'a\t', 'a\tb', ',a', '[a]', '{a}', 'a,b', '&a', '*a', '!a', '|a', '>a', "'a", '"a', '%a',
  '@a', '`a', 'a"b', "a'b", 'a\'b"c', '"', "'", '\\', 'a\\b', '---', '--- a', '...', '...a', '%YAML', '<<', 'é', '日本', '💡',
  'a\u2028b', 'a\u00a0b', 'a\nb', 'a\nb\n', 'a\nb\n\n', 'a\n\nb', '\na', '\n\na', ' a\nb', '  a\n b\n', 'a\n b', 'a \nb', 'a\n#b',
  'a\n- b', 'a\n---\nb', '{\n  "a": 1\n}\n', 'a\nb ', 'a\nb\t', 'a\n ', 'a\n\t', '\n', '\n\n', ' \n', 'line one\nline: two\n',
  'a\x00b', 'a\x07', 'a\x1b[0m', '\x7f', 'a\x85b', 'a\ud800b', 'x'.repeat(1030), `${'y'.repeat(50)} ${'z'.repeat(50)}`,
];

/** A deterministic generator of nested manifests-like values. */
function* randomValues(count: number, seed: number): Generator<unknown> {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const fragments = ['a', 'b', ' ', ':', '#', '-', '\n', '"', "'", '1', '.', 'x: y', '{', '\t', 'true', '0', 'e', '%', '---'];
  const randomString = () =>
    random() < 0.5 ? pick(TRICKY_STRINGS) : Array.from({ length: Math.floor(random() * 6) }, () => pick(fragments)).join('');
  const value = (depth: number): unknown => {
    const roll = random();
    if (depth > 3 || roll < 0.45) return randomString();
    if (roll < 0.55) return pick([0, 1, -1, 0.5, 1e21, 42, 3.25, -0.125, true, false]);
    if (roll < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [randomString(), value(depth + 1)]));
  };
  for (let i = 0; i < count; i++) yield { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `n${i}` }, data: value(0) };
}

describe('manifestYaml', () => {
  test('writes every fixture manifest exactly as yaml.stringify does', () => {
    const objects = synthesizeAll(loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR })).flatMap((group) => group.objects);
    expect(objects.length).toBeGreaterThan(50);
    const differing = objects.filter((object) => manifestYaml(object) !== reference(object)).map((object) => `${object.kind}/${object.metadata.name}`);
    expect(differing).toEqual([]);
  });

  test.each(TRICKY_STRINGS.map((text) => [JSON.stringify(text).slice(0, 40), text]))('writes the string %s as yaml.stringify does as a value, key and list item', (_name, text) => {
    const value = {
      metadata: { name: text, labels: { [text]: 'v', nested: { [text]: text } } },
      [text]: [text, [text, { [text]: text }], {}, []],
      data: { 'file.json': text, deeper: { list: [text, { x: text }] } },
    };
    expect(manifestYaml(value)).toBe(reference(value));
  });

  test('writes generated nested values as yaml.stringify does', () => {
    const differing: string[] = [];
    for (const value of randomValues(3000, 42)) {
      if (manifestYaml(value) !== reference(value)) differing.push(JSON.stringify(value));
    }
    expect(differing).toEqual([]);
  });

  test('falls back to yaml for values outside JSON data, with the same result', () => {
    for (const value of [
      { a: null, b: [null] },
      { a: undefined, b: 1 },
      { n: -0, i: Infinity, m: -Infinity, z: NaN },
      { d: new Date(0) },
      { m: new Map([['a', 1]]) },
      { o: Object.assign(Object.create(null), { a: 1 }) },
      { list: [undefined, 1] },
      { keep: 'a\n\n', spaces: 'a\n  ' },
      'a scalar document',
      ['a', 'root', 'list'],
      {},
    ]) {
      expect(manifestYaml(value)).toBe(reference(value));
    }
  });
});
