/**
 * Building blocks shared by the tenant and platform file schemas. Every
 * schema carries a description (shown by editors through the exported JSON
 * Schema) and an error message that says what is allowed.
 */
import { z } from 'zod';
import { parseCidr } from '../../lib/cidr';
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_RULE } from '../../lib/names';
import { QueueAmounts } from '../../lib/queueing';
import { MAX_KUBERNETES_QUANTITY, QUANTITY_PATTERN, isNegativeQuantity, isQuantity, parseQuantity } from '../../lib/quantity';

/** The API group and version of both files. */
export const API_VERSION = 'platform.mlp.io/v1alpha1';

/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
export function dnsLabel(maxLength: number, what: string) {
  return z
    .string()
    .refine((name) => !RESERVED_OBJECT_KEYS.includes(name), { error: (issue) => `"${String(issue.input)}" is reserved; choose another name` })
    .max(maxLength, {
      error: (issue) => `${what} must be at most ${maxLength} characters, got ${String(issue.input).length}`,
    })
    .regex(DNS1123_LABEL, {
      error: `${what} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });
}

/** A DNS-1123 subdomain: what Kubernetes accepts as the name of most objects (a Secret, a ClusterIssuer); dots allowed. */
export function dnsSubdomain(what: string) {
  const error = (issue: { input?: unknown }) => `${what} must be a DNS-1123 subdomain (${DNS1123_SUBDOMAIN_RULE}), got "${String(issue.input)}"`;
  return z.string().max(253, { error }).regex(DNS1123_SUBDOMAIN, { error });
}

/** A DNS-1035 label: what Kubernetes accepts as a Service name (starts with a letter). */
export function workloadName(maxLength: number, what: string) {
  return z
    .string()
    .refine((name) => !RESERVED_OBJECT_KEYS.includes(name), { error: (issue) => `"${String(issue.input)}" is reserved; choose another name` })
    .max(maxLength, {
      error: (issue) => `${what} must be at most ${maxLength} characters, got ${String(issue.input).length}`,
    })
    .regex(DNS1035_LABEL, {
      error: `${what} must be lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
    });
}

/**
 * A resource quantity written as a string (`500m`, `16Gi`, `1e3`) or a plain
 * number (`4`); always a string after parsing, kept as written.
 */
export function quantity(description: string) {
  return z
    .union([
      z
        .string()
        .regex(QUANTITY_PATTERN, { error: (issue) => quantitySyntaxMessage(issue.input) })
        // Not aborting on the pattern keeps this branch's message in the union; the size check skips what the pattern refused.
        .refine((text) => !isQuantity(text) || parseQuantity(text) <= MAX_KUBERNETES_QUANTITY, { error: (issue) => tooLargeMessage(issue.input) }),
      z
        .number()
        .nonnegative({ error: (issue) => `expected an amount >= 0, got ${describeValue(issue.input)}` })
        .refine((value) => value <= MAX_KUBERNETES_QUANTITY, { error: (issue) => tooLargeMessage(issue.input) }),
    ], { error: (issue) => (issue.code === 'invalid_union' ? quantitySyntaxMessage(issue.input) : undefined) })
    .transform((value) => String(value))
    .meta({ description });
}

function quantitySyntaxMessage(input: unknown): string {
  if (typeof input === 'string' && isNegativeQuantity(input)) return `expected an amount >= 0, got ${describeValue(input)}`;
  return `expected a Kubernetes quantity such as 500m, 4, 16Gi, 1Ti or 1e3, got ${describeValue(input)}`;
}

function tooLargeMessage(input: unknown): string {
  return `${describeValue(input)} is larger than any Kubernetes quantity (at most 2^63-1 of the base unit, e.g. 8Ei of memory)`;
}

/**
 * A whole number from `min` to `max`. A value outside gets one message, with
 * the bound it breaks; a quoted number gets the hint to drop the quotes.
 */
export function wholeNumber(min: number, description: string, max = 1_000_000) {
  const message = (issue: { input: unknown }) => wholeNumberMessage(issue.input, min, max);
  return z
    .number({ error: message })
    .int({ abort: true, error: message })
    .min(min, { abort: true, error: message })
    .max(max, { error: message })
    .meta({ description });
}

/** A whole percentage, 0-100, of what `of` names (e.g. `requests`). */
export function wholePercent(of: string, description: string) {
  const message = (issue: { input: unknown }) => `expected a whole number from 0 to 100 (percent of ${of}), got ${describeValue(issue.input)}${quotedHint(issue.input)}`;
  return z
    .number({ error: message })
    .int({ abort: true, error: message })
    .min(0, { abort: true, error: message })
    .max(100, { error: message })
    .meta({ description });
}

function wholeNumberMessage(input: unknown, min: number, max: number): string {
  if (typeof input === 'number' && input > max) return `expected a whole number <= ${max}, got ${describeValue(input)}`;
  return `expected a whole number >= ${min}, got ${describeValue(input)}${quotedHint(input)}`;
}

/** A hint for a whole number written as a string. */
function quotedHint(input: unknown): string {
  return typeof input === 'string' && /^[+-]?\d+$/.test(input) ? `; write ${input} without quotes` : '';
}

/** Shape of an IPv4 or IPv6 CIDR block, for editors; {@link parseCidr} decides. */
const CIDR_SHAPE = /^[0-9.]+\/\d{1,2}$|^[0-9a-fA-F:.]+\/\d{1,3}$/;

/** An IPv4 or IPv6 CIDR block: `10.20.0.0/16`, `2001:db8::/32`. */
export function cidrBlock() {
  const message = (issue: { input: unknown }) => `${describeValue(issue.input)} is not a CIDR block such as 10.20.0.0/16 or 2001:db8::/32`;
  return z
    .string()
    .regex(CIDR_SHAPE, { abort: true, error: message })
    .refine((text) => parseCidr(text) !== undefined, { error: message });
}

const SYSTEM_PREFIX = 'system:';

function subjectName(kind: 'user' | 'group') {
  return z
    .string()
    .min(1, { error: `${kind} name must not be empty` })
    .max(253, { error: `${kind} name must be at most 253 characters` })
    .refine((name) => !name.startsWith(SYSTEM_PREFIX), {
      error: (issue) =>
        `${kind} "${String(issue.input)}" is reserved for Kubernetes components (names starting with "system:" cannot be granted tenant roles)`,
    });
}

/** An RBAC subject as tenant files write it: `{user: NAME}` or `{group: NAME}`. */
export const SubjectSchema = z
  .union([
    z.strictObject({ user: subjectName('user').meta({ description: 'A user name as the cluster authenticates it.' }) }),
    z.strictObject({ group: subjectName('group').meta({ description: 'A group name as the cluster authenticates it.' }) }),
  ], { error: 'expected {user: NAME} or {group: NAME}' })
  .meta({ description: 'An RBAC subject: {user: NAME} or {group: NAME}.' });

/** Property names of plain JavaScript objects that lowercase user names could collide with. */
export const RESERVED_OBJECT_KEYS: readonly string[] = ['constructor', '__proto__', 'prototype'];

/** Runtime of a workload: `90m`, `24h`, `2d`, `1h30m`. */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Longest workload runtime: a year. */
const MAX_DURATION_SECONDS = 366 * 24 * 3600;

export const DurationSchema = z
  .string()
  .regex(DURATION_PATTERN, { error: 'expected a duration such as 90m, 24h, 2d or 1h30m' })
  .refine((text) => {
    if (!DURATION_PATTERN.test(text)) return true; // reported by the pattern
    const seconds = durationSeconds(text);
    return seconds >= 1 && seconds <= MAX_DURATION_SECONDS;
  }, { error: 'expected a duration from 1s to 366d' })
  .meta({ description: 'A duration: days (d), hours (h), minutes (m) and seconds (s), e.g. 24h or 1h30m.' });

/** Seconds in a duration that matched {@link DURATION_PATTERN}. */
export function durationSeconds(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a duration`);
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
}

const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Kubernetes label keys and values. */
export const LabelsSchema = z.record(
  z
    .string()
    .max(316)
    .regex(LABEL_NAME, {
      error: (issue) =>
        `"${String(issue.input)}" is not a valid label key: an optional DNS-name prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit (team, example.com/team)`,
    })
    .refine((key) => !RESERVED_OBJECT_KEYS.includes(key), { error: (issue) => `"${String(issue.input)}" is reserved; choose another label key` }),
  z.string().regex(LABEL_VALUE, {
    error: 'label values are at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
  }),
);

/** Describes a value for an error message: `-2`, `"abc"`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** One of a fixed list of values, with a message that lists them. */
export function enumOf<const Values extends readonly [string, ...string[]]>(values: Values, description: string) {
  return z
    .enum(values, { error: (issue) => `expected one of ${values.join(', ')}, got ${describeValue(issue.input)}` })
    .meta({ description });
}

const queueAmountFields = (what: string, note: (field: keyof QueueAmounts) => string) => ({
  gpu: wholeNumber(0, `GPUs a tenant may ${what}, per GPU type (Kueue's limits are per flavor).${note('gpu')}`),
  cpu: quantity(`CPU cores a tenant may ${what}.${note('cpu')}`),
  memory: quantity(`Memory a tenant may ${what}.${note('memory')}`),
  ephemeralStorage: quantity(`Local disk (ephemeral-storage) a tenant may ${what}.${note('ephemeralStorage')}`),
});

/** Amounts of the queued resources (GPUs, CPU, memory, local disk) that a tenant may `what`, e.g. "lend of its guarantee"; every field optional, described with `defaultNote`. */
export function queueAmounts(what: string, defaultNote: string) {
  const fields = queueAmountFields(what, () => ` ${defaultNote}`);
  return z.strictObject({
    gpu: fields.gpu.optional(),
    cpu: fields.cpu.optional(),
    memory: fields.memory.optional(),
    ephemeralStorage: fields.ephemeralStorage.optional(),
  });
}

/** Like {@link queueAmounts}, with every field defaulting to `defaults`. */
export function queueAmountsWithDefaults(what: string, defaults: QueueAmounts) {
  const fields = queueAmountFields(what, (field) => ` @default ${defaults[field]}`);
  return z.strictObject({
    gpu: fields.gpu.default(defaults.gpu),
    cpu: fields.cpu.default(defaults.cpu),
    memory: fields.memory.default(defaults.memory),
    ephemeralStorage: fields.ephemeralStorage.default(defaults.ephemeralStorage),
  });
}

/** Largest fair-sharing weight the files accept. */
export const MAX_FAIR_SHARING_WEIGHT = 1000;

/**
 * A Kueue fair-sharing weight (a quantity in Kueue): a number from 0 to 1000 with at most 3
 * decimals (`0.5`, `2`); 0 leaves the tenant always last for idle quota.
 */
export function fairSharingWeight(description: string) {
  const message = (issue: { input: unknown }) =>
    `expected a number from 0 to ${MAX_FAIR_SHARING_WEIGHT} with at most 3 decimals (e.g. 0.5, 1, 2), got ${describeValue(issue.input)}`;
  return z
    .number({ error: message })
    .min(0, { abort: true, error: message })
    .max(MAX_FAIR_SHARING_WEIGHT, { abort: true, error: message })
    .refine((value) => Number.isInteger(Math.round(value * 1000)) && Math.abs(value * 1000 - Math.round(value * 1000)) < 1e-6, { error: message })
    .meta({ description });
}
