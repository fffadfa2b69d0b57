/**
 * Building blocks shared by the tenant and platform file schemas. Every
 * schema carries a description (shown by editors through the exported JSON
 * Schema) and an error message that says what is allowed.
 */
import { z } from 'zod';
import { QUANTITY_PATTERN } from '../quantity';

/** The API group and version of both files. */
export const API_VERSION = 'platform.mlp.io/v1alpha1';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

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
 * A resource quantity written as a string (`500m`, `16Gi`) or a plain
 * number (`4`); always a string after parsing.
 */
export function quantity(description: string) {
  return z
    .union([
      z.string().regex(QUANTITY_PATTERN, {
        error: 'expected a Kubernetes quantity such as 500m, 4, 16Gi or 1Ti',
      }),
      z
        .number()
        .nonnegative({ error: 'expected a quantity >= 0' })
        .refine((value) => Number.isFinite(value) && !/e/i.test(String(value)), {
          error: 'write very large or very small amounts as a quoted quantity such as "1000Ti" or "100m"',
        }),
    ])
    .transform((value) => String(value))
    .meta({ description });
}

/** A whole number >= `min`. */
export function wholeNumber(min: number, description: string) {
  return z
    .number({ error: (issue) => `expected a whole number >= ${min}, got ${describeValue(issue.input)}` })
    .int({ error: (issue) => `expected a whole number >= ${min}, got ${describeValue(issue.input)}` })
    .min(min, { error: (issue) => `expected a whole number >= ${min}, got ${describeValue(issue.input)}` })
    .max(1_000_000, { error: (issue) => `expected a whole number <= 1000000, got ${describeValue(issue.input)}` })
    .meta({ description });
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

/**
 * A Prometheus duration, units in decreasing order as Prometheus requires:
 * `30m`, `1h30m`, `15d`.
 */
export const PROMETHEUS_DURATION = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

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
    .regex(LABEL_NAME, { error: (issue) => `"${String(issue.input)}" is not a valid label key` })
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
