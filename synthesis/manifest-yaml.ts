/**
 * A YAML writer for synthesized Kubernetes objects: plain JSON data (maps,
 * lists, strings, finite numbers, booleans) rendered byte for byte as
 * `stringify(value, MANIFEST_YAML_OPTIONS)` of the `yaml` package renders it,
 * about twenty times faster.
 *
 * Rendering was the largest cost of synthesis: `yaml` builds a document of
 * node objects and walks it with generic, option-driven code, ~0.25 ms per
 * object. This writer follows the same rules (which strings stay plain, which
 * are quoted and how, when a string becomes a `|` block) for exactly these
 * options and hands any value outside that subset to `yaml` itself: strings
 * with control characters, multi-line strings that `yaml` would quote or keep
 * with `|+`, odd keys, `null`, non-finite numbers, non-plain objects. So the
 * output stays identical even for input it does not handle;
 * test/synthesis/manifest-yaml.test.ts compares both on real manifests and on
 * generated tricky input.
 */
import { stringify } from 'yaml';

/** The options the manifests are written with; {@link manifestYaml} only implements these. */
export const MANIFEST_YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: true } as const;

/** A value the fast path leaves to `yaml`. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();

/** `value` as a YAML document, identical to `stringify(value, MANIFEST_YAML_OPTIONS)`. */
export function manifestYaml(value: unknown): string {
  try {
    if (!isCollection(value)) throw UNSUPPORTED; // a scalar document is indented differently
    return `${node(value, '')}\n`;
  } catch (error) {
    if (error !== UNSUPPORTED) throw error;
    return stringify(value, MANIFEST_YAML_OPTIONS);
  }
}

/** Characters `yaml` always writes double-quoted with escapes (control characters, lone surrogates): left to it. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** A cheaper first test for {@link CONTROL}: also true for paired surrogates (emoji and the like). */
const MAYBE_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\uD800-\uDFFF]/;

function hasControl(text: string): boolean {
  return MAYBE_CONTROL.test(text) && CONTROL.test(text);
}
/** What a plain scalar must not contain (yaml's `plainString`). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/**
 * Plain scalars that the YAML 1.2 core schema reads as something other than a
 * string: the tests of its null, bool, int (octal, decimal, hex) and float tags.
 */
const NOT_A_STRING = new RegExp(
  [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    /^0o[0-7]+$/,
    /^[-+]?[0-9]+$/,
    /^0x[0-9a-fA-F]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  ]
    .map((test) => `(?:${test.source})`)
    .join('|'),
);
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
const INDENT_STEP = '  ';

/** A value whose parent is at `indent`: the text after `key: ` or `- `. */
function node(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return valueString(value, indent + INDENT_STEP);
    case 'number':
      if (!Number.isFinite(value)) throw UNSUPPORTED;
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (Array.isArray(value)) return sequence(value, indent);
      if (value !== null && Object.getPrototypeOf(value) === Object.prototype) return mapping(value as Record<string, unknown>, indent);
      throw UNSUPPORTED;
    default:
      throw UNSUPPORTED;
  }
}

/** A block mapping whose keys start at `indent` (its first line without it). */
function mapping(object: Record<string, unknown>, indent: string): string {
  let out = '';
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue; // yaml drops undefined values, as JSON does
    const childIndent = indent + INDENT_STEP;
    let line = `${keyString(key, indent === '')}:`;
    if (isCollection(value)) {
      line += isEmpty(value) ? (Array.isArray(value) ? ' []' : ' {}') : `\n${childIndent}${node(value, childIndent)}`;
    } else {
      line += ` ${node(value, indent)}`;
    }
    out += out === '' ? line : `\n${indent}${line}`;
  }
  return out === '' ? '{}' : out;
}

/** A block sequence whose dashes start at `indent` (its first line without it). */
function sequence(items: readonly unknown[], indent: string): string {
  if (items.length === 0) return '[]';
  const itemIndent = indent + INDENT_STEP;
  let out = '';
  for (const item of items) {
    if (item === undefined || item === null) throw UNSUPPORTED;
    const text = isCollection(item) ? node(item, itemIndent) : node(item, indent);
    out += out === '' ? `- ${text}` : `\n${indent}- ${text}`;
  }
  return out;
}

/** A list or a plain object (others, like Date or Map, go to {@link node}, which leaves them to yaml). */
function isCollection(value: unknown): value is object {
  return Array.isArray(value) || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype);
}

function isEmpty(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

/** A mapping key; `root` when it belongs to the top-level mapping. */
function keyString(key: string, root: boolean): string {
  if (key === '' || key.includes('\n') || hasControl(key) || (root && DOCUMENT_MARKER.test(key))) throw UNSUPPORTED;
  const text = NOT_PLAIN.test(key) || NOT_A_STRING.test(key) ? quoted(key) : key;
  if (text.length > 1024) throw UNSUPPORTED; // yaml writes an explicit `? key`
  return text;
}

/** A string value whose continuation lines are indented by `indent`. */
function valueString(value: string, indent: string): string {
  if (hasControl(value)) throw UNSUPPORTED;
  if (value.includes('\n')) return literalBlock(value, indent);
  if (NOT_PLAIN.test(value) || NOT_A_STRING.test(value)) return quoted(value);
  return value;
}

/** A single-line string in quotes, as yaml's `quotedString` writes it. */
function quoted(value: string): string {
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value);
}

/** A multi-line string as a `|` block scalar (yaml's `blockString`, literal style, clip or strip chomping). */
function literalBlock(text: string, indent: string): string {
  let value = text;
  // yaml quotes strings whose last line is only whitespace, and keeps (|+) trailing blank lines: left to it.
  if (/\n[\t ]+$/.test(value)) throw UNSUPPORTED;
  let endStart = value.length;
  while (endStart > 0 && (value[endStart - 1] === '\n' || value[endStart - 1] === '\t' || value[endStart - 1] === ' ')) endStart--;
  let end = value.substring(endStart);
  const endNewline = end.indexOf('\n');
  if (endNewline !== -1 && (value === end || endNewline !== end.length - 1)) throw UNSUPPORTED;
  const chomp = endNewline === -1 ? '-' : '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end.endsWith('\n')) end = end.slice(0, -1);
  }
  let startsWithSpace = false;
  let startEnd = 0;
  let startNewline = -1;
  for (; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startsWithSpace = true;
    else if (ch === '\n') startNewline = startEnd;
    else break;
  }
  let start = value.substring(0, startNewline < startEnd ? startNewline + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startsWithSpace ? '2' : '') + chomp;
  return `|${header}\n${indent}${start}${value.replace(/\n+/g, `$&${indent}`)}${end}`;
}
