/**
 * What a change of the environment's settings file (`mlp affected
 * --config-file FILE`, e.g. Pulumi.prod.yaml) does to the stacks: its
 * `config:` at the revision is compared with the work tree's.
 * `mlp:decommission` entries added or removed affect those tenants' stacks;
 * the `mlp:crdFiles` list, or the contents of the files it lists, the
 * platform stack; any other key, or the file added or removed, every stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parse } from 'yaml';
import { ValidationError } from '../config/problems';
import { fileAtCommit, repositoryPath } from './git-base';

const DECOMMISSION_KEY = 'mlp:decommission';
const CRD_FILES_KEY = 'mlp:crdFiles';

export interface SettingsChanges {
  /** Why every stack is affected, when it is. */
  readonly every?: string;
  /** Why the platform stack is affected, when it is. */
  readonly platform?: string;
  /** The tenants whose stacks are affected, with why. */
  readonly tenants: ReadonlyMap<string, string>;
}

/**
 * Compares `file` (relative to `project`) at `commit` with the work tree.
 * `shown` is the file as the user named it, `ref` the revision as named.
 */
export function settingsChanges(root: string, commit: string, ref: string, project: string, file: string): SettingsChanges {
  const absolute = path.resolve(project, file);
  const repoPath = repositoryPath(root, absolute, 'mlp affected');
  const before = fileAtCommit(root, commit, repoPath);
  const after = fs.existsSync(absolute) ? fs.readFileSync(absolute, 'utf8') : undefined;
  const tenants = new Map<string, string>();
  if (before === undefined && after === undefined) return { tenants };
  if (before === undefined) return { every: `settings file ${file} added since ${ref}`, tenants };
  if (after === undefined) return { every: `settings file ${file} removed since ${ref}`, tenants };
  const old = configOf(before, `${file} at ${ref}`);
  const now = configOf(after, file);

  const others = [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .filter((key) => key !== DECOMMISSION_KEY && key !== CRD_FILES_KEY && !isDeepStrictEqual(old[key], now[key]))
    .sort();
  if (others.length > 0) return { every: `settings file ${file}: config ${others.join(', ')} changed since ${ref}`, tenants };

  const listed = (config: Record<string, unknown>, key: string) => {
    const value = config[key];
    return Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [JSON.stringify(value)];
  };
  const oldTenants = listed(old, DECOMMISSION_KEY);
  const newTenants = listed(now, DECOMMISSION_KEY);
  for (const tenant of newTenants.filter((name) => !oldTenants.includes(name))) tenants.set(tenant, `settings file ${file}: ${DECOMMISSION_KEY} lists ${tenant} (added since ${ref})`);
  for (const tenant of oldTenants.filter((name) => !newTenants.includes(name))) tenants.set(tenant, `settings file ${file}: ${DECOMMISSION_KEY} no longer lists ${tenant} (removed since ${ref})`);

  const oldCrds = listed(old, CRD_FILES_KEY);
  const newCrds = listed(now, CRD_FILES_KEY);
  let platform: string | undefined;
  if (!isDeepStrictEqual(oldCrds, newCrds)) {
    platform = `settings file ${file}: ${CRD_FILES_KEY} changed since ${ref}`;
  } else {
    // Paths in the settings file are relative to the project folder (deploy/settings-file.ts).
    const changed = newCrds.filter((crd) => {
      const crdPath = path.resolve(project, crd);
      const text = fs.existsSync(crdPath) ? fs.readFileSync(crdPath, 'utf8') : undefined;
      return text !== fileAtCommit(root, commit, repositoryPath(root, crdPath, 'mlp affected'));
    });
    if (changed.length > 0) platform = `settings file ${file}: ${CRD_FILES_KEY} file ${changed.join(', ')} changed since ${ref}`;
  }
  return { ...(platform !== undefined && { platform }), tenants };
}

/** The `config:` map of a settings file's text (empty when it has none). */
function configOf(text: string, shown: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ValidationError([{ file: shown, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }]);
  }
  const config = (document as { config?: unknown } | null)?.config;
  return typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
}
