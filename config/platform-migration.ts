/**
 * Reading platform files written before a schema change, for the one place
 * that must: the BASE revision of `mlp diff`, which the user cannot edit.
 * The work tree's platform file is never migrated; it gets the error that
 * names the replacement (INGRESS_REPLACED).
 */
import { isMap, parseDocument } from 'yaml';

/**
 * The text of a platform file with the pre-issue-17 `spec.ingress`
 * (`{className, namespace, domain}`) rewritten to the `spec.exposure` it
 * meant: `{domain, mode: ingress, ingress: {className, namespace},
 * allowPlainHttp: true}` (the old Ingress had no `tls`, so it served plain
 * HTTP). Any other text, including one that also has `spec.exposure`, is
 * returned unchanged, so that its errors are reported as written.
 */
export function migrateOldPlatformText(text: string): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) return text;
  const ingress = document.getIn(['spec', 'ingress'], true);
  if (!isMap(ingress) || document.hasIn(['spec', 'exposure'])) return text;
  const old = ingress.toJSON() as Record<string, unknown>;
  const controller: Record<string, unknown> = {};
  for (const field of ['className', 'namespace'] as const) {
    if (old[field] !== undefined) controller[field] = old[field];
  }
  const exposure: Record<string, unknown> = {};
  if (old.domain !== undefined) exposure.domain = old.domain;
  exposure.mode = 'ingress';
  exposure.ingress = controller;
  exposure.allowPlainHttp = true;
  document.deleteIn(['spec', 'ingress']);
  document.setIn(['spec', 'exposure'], document.createNode(exposure));
  return document.toString();
}
