/**
 * Kubernetes objects as plain JSON, the form synthesis emits, and the readers
 * of their fields that the policies and the review tools share. A reader
 * never throws on an unexpected shape: a field that is not a mapping reads as
 * none (or an empty one), a field that is not a list as an empty list.
 */

/** A JSON mapping. */
export type Json = Record<string, unknown>;

/** True when `value` is a mapping (not null, not a list). */
export function isJsonObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` if it is a mapping, else undefined. */
export function asJsonObject(value: unknown): Json | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** `value` if it is a mapping, else an empty one. */
export function jsonObject(value: unknown): Json {
  return isJsonObject(value) ? value : {};
}

/** `value` if it is a list, else an empty one. */
export function jsonArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
