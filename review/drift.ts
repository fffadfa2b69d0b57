/**
 * Drift: what differs between the cluster and the objects the last update
 * deployed, per tenant, from two previews of the same program and stack
 * (`pulumi preview --json`, and the same with `--refresh`). The preview
 * without refresh compares the program with the recorded state: the changes
 * of the files. The one with refresh compares it with the live objects: the
 * changes of the files and the drift. What only the refreshed preview shows
 * is drift; a field that both the files and the drift change counts as a
 * change of the files (the next `pulumi up` sets it either way).
 *
 * `scripts/drift-report.sh` runs both previews and prints {@link formatDrift}.
 */
import * as fs from 'fs';

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly detailedDiff?: Readonly<Record<string, unknown>> | null;
  readonly diffReasons?: readonly string[] | null;
}

/** The output of `pulumi preview --json` that drift needs. */
export interface PreviewJson {
  readonly steps?: readonly PreviewStep[];
}

/** One object that differs from what the last update deployed. */
export interface DriftedObject {
  /** The Pulumi resource name, which is its dist/ path without `.yaml`: `nlp/deployment-chat`. */
  readonly name: string;
  /** `deleted` (gone from the cluster) or `changed`. */
  readonly drift: 'deleted' | 'changed';
  /** The fields that differ, as the provider names them (`spec.template.spec.containers[0].image`); empty for a deleted object. */
  readonly fields: readonly string[];
}

/** Steps that only read or compare; every other step changes something. */
const NO_CHANGE = new Set(['same', 'read', 'refresh']);

/** The changes of a preview, by resource name: the op and the fields. Stack and provider steps are left out. */
function changes(preview: PreviewJson): Map<string, { op: string; fields: string[] }> {
  const result = new Map<string, { op: string; fields: string[] }>();
  for (const step of preview.steps ?? []) {
    // Kubernetes objects only: their type is `kubernetes:<group>/<version>:<Kind>`, after the parent's type and `$`.
    if (NO_CHANGE.has(step.op) || !/[$:]kubernetes:[^:]/.test(step.urn)) continue;
    const name = step.urn.slice(step.urn.lastIndexOf('::') + 2);
    const fields = Object.keys(step.detailedDiff ?? {}).length > 0 ? Object.keys(step.detailedDiff ?? {}) : [...(step.diffReasons ?? [])];
    const previous = result.get(name);
    result.set(name, { op: previous?.op ?? step.op, fields: [...new Set([...(previous?.fields ?? []), ...fields])].sort() });
  }
  return result;
}

/**
 * The drifted objects: what the refreshed preview changes beyond the plain
 * one, sorted by name.
 */
export function driftedObjects(plain: PreviewJson, refreshed: PreviewJson): DriftedObject[] {
  const ofFiles = changes(plain);
  const drifted: DriftedObject[] = [];
  for (const [name, change] of changes(refreshed)) {
    const files = ofFiles.get(name);
    if (change.op === 'create' && files === undefined) {
      drifted.push({ name, drift: 'deleted', fields: [] });
      continue;
    }
    if (change.op === 'create' || change.op.startsWith('delete')) continue; // a new or removed object of the files
    const fields = change.fields.filter((field) => !(files?.fields ?? []).includes(field));
    if (files === undefined || fields.length > 0) drifted.push({ name, drift: 'changed', fields: files === undefined ? change.fields : fields });
  }
  return drifted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The report, one line per tenant and one per object below it (the
 * platform's objects under `_platform`), or a line saying there is none.
 */
export function formatDrift(drifted: readonly DriftedObject[]): string {
  if (drifted.length === 0) return 'no drift: the cluster matches the last update\n';
  const tenants = [...new Set(drifted.map((object) => object.name.split('/')[0]))];
  const lines = [`drift in ${drifted.length} object${drifted.length === 1 ? '' : 's'} of ${tenants.join(', ')}; the next pulumi up puts them back:`];
  for (const tenant of tenants) {
    lines.push(`${tenant}:`);
    for (const object of drifted.filter((candidate) => candidate.name.split('/')[0] === tenant)) {
      lines.push(`  ${object.name}: ${object.drift === 'deleted' ? 'deleted from the cluster' : `changed ${object.fields.join(', ')}`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `node build/review/drift.js PLAIN.json REFRESHED.json`: prints the report;
 * exit status 1 when there is drift, 0 when there is none.
 */
function main(argv: readonly string[]): number {
  const [plain, refreshed] = argv.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as PreviewJson);
  const drifted = driftedObjects(plain, refreshed);
  process.stdout.write(formatDrift(drifted));
  return drifted.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
