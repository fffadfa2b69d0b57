/**
 * The environment's settings file (`--config-file`, today's `Pulumi.dev.yaml`
 * style: every `mlp:` key but `mlp:part`) and the stack configuration the
 * fan-out writes from it for each stack: the same settings with relative
 * paths made absolute, plus the stack's `mlp:part`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { PLATFORM_STACK, tenantOfStack } from '../stacks/stack-names';
import { DeployError } from './deploy-error';
import { closest } from '../config/schema/parse-file';

/** Every setting of the program (stacks/pulumi/stack-settings.ts), without the namespace. */
const KNOWN_KEYS = ['kubeconfig', 'context', 'clusterIdentifier', 'part', 'platformStack', 'tenantsDir', 'platformFile', 'decommission', 'skipAwait', 'crdFiles'] as const;

/** The settings whose values are paths, relative to the project directory (docs/deploy.md#stack-configuration). */
const PATH_KEYS = ['kubeconfig', 'tenantsDir', 'platformFile'] as const;
/** The settings whose values are lists of paths. */
const PATH_LIST_KEYS = ['crdFiles'] as const;
/** The configuration namespace of the program's settings (stacks/pulumi/stack-settings.ts). */
const NAMESPACE = 'mlp';
/** The key naming the stack whose platform a tenant stack reads (default `platform`). */
export const PLATFORM_STACK_KEY = `${NAMESPACE}:platformStack`;
/** The key the fan-out sets per stack. */
export const PART_KEY = `${NAMESPACE}:part`;

/** The settings of one environment, read from its file, with paths resolved. */
export interface EnvironmentSettings {
  /** The settings file, as given. */
  readonly file: string;
  /** Every configuration value by its full key (`mlp:tenantsDir`), paths absolute. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Absolute path of the tenants directory (`mlp:tenantsDir`, default `tenants`). */
  readonly tenantsDir: string;
  /** Absolute path of the platform file (`mlp:platformFile`, default `platform.yaml`). */
  readonly platformFile: string;
}

/**
 * Reads the settings file `file` of the project in `projectDir` (relative
 * paths in it mean paths relative to the project directory, as in a
 * single stack's `Pulumi.<stack>.yaml`).
 *
 * @throws DeployError naming the file, the key, the value and the fix.
 */
export function readSettingsFile(file: string, projectDir: string, project: string): EnvironmentSettings {
  const absolute = path.resolve(projectDir, file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DeployError(`${file}: cannot read the settings file (${code ?? (error as Error).message}); name the environment's settings file with --config-file FILE (docs/deploy.md#deploying-many-stacks)`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new DeployError(`${file}: not valid YAML: ${document.errors[0].message.split('\n')[0]}`);
  const root = document.contents;
  if (root !== null && !isMap(root)) throw new DeployError(`${file}: expected a map with the key "config", like Pulumi.dev.yaml`);
  const configNode = root?.get('config', true);
  if (configNode !== undefined && configNode !== null && !isMap(configNode) && !(isScalar(configNode) && configNode.value === null)) {
    throw new DeployError(`${file}: config: expected a map of settings (mlp:tenantsDir: tenants, ...), like Pulumi.dev.yaml`);
  }
  const raw = (isMap(configNode) ? configNode.toJSON() : {}) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    // A key without a namespace belongs to the project (Pulumi's rule).
    const full = key.includes(':') ? key : `${project}:${key}`;
    const name = full.startsWith(`${NAMESPACE}:`) ? full.slice(NAMESPACE.length + 1) : undefined;
    if (name !== undefined && !(KNOWN_KEYS as readonly string[]).includes(name)) {
      const nearest = closest(name, KNOWN_KEYS);
      throw new DeployError(
        `${file}: config.${key}: not a setting of mlp${nearest === undefined ? '' : ` (did you mean ${NAMESPACE}:${nearest}?)`}; the settings are listed in docs/deploy.md#stack-configuration`,
      );
    }
    if (full === PART_KEY) {
      throw new DeployError(`${file}: config.${key}: ${JSON.stringify(value)}: mlp deploy sets mlp:part for each stack (platform, tenant:<name>); remove it from the settings file`);
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'secure' in value) {
      throw new DeployError(
        `${file}: config.${key}: a secret (secure:) cannot be copied into the stacks' configuration, which each stack encrypts with its own salt; ` +
          `give the value in plain text or leave it out (the mlp: settings hold no secrets)`,
      );
    }
    config[full] = resolvePaths(file, key, full, value, projectDir);
  }
  const setting = (name: string, otherwise: string) => {
    const value = config[`${NAMESPACE}:${name}`];
    return typeof value === 'string' ? value : path.resolve(projectDir, otherwise);
  };
  return { file, config, tenantsDir: setting('tenantsDir', 'tenants'), platformFile: setting('platformFile', 'platform.yaml') };
}

/**
 * Checks that the settings name the cluster (`mlp:clusterIdentifier`): every
 * split stack needs the same one, and mlp rewrites each stack's configuration
 * from the settings file, so it goes there.
 *
 * @throws DeployError naming the file and the fix.
 */
export function requireClusterIdentifier(settings: EnvironmentSettings, project: string): void {
  if (settings.config[`${NAMESPACE}:clusterIdentifier`] === undefined) {
    throw new DeployError(
      `${settings.file}: ${NAMESPACE}:clusterIdentifier is not set; every stack of the cluster needs the same one: write it into ${settings.file} ` +
        `(${NAMESPACE}:clusterIdentifier: <id>; when moving from a single stack, that stack's identifier: its ${NAMESPACE}:clusterIdentifier, or ${project}-<old stack> if it was never set). ` +
        `Not pulumi config set: mlp rewrites each stack's configuration from the settings file`,
    );
  }
}

function resolvePaths(file: string, key: string, full: string, value: unknown, projectDir: string): unknown {
  const name = full.startsWith(`${NAMESPACE}:`) ? full.slice(NAMESPACE.length + 1) : undefined;
  if ((PATH_KEYS as readonly (string | undefined)[]).includes(name)) {
    if (typeof value !== 'string' || value === '') throw new DeployError(`${file}: config.${key}: expected a path, got ${JSON.stringify(value)}`);
    return path.resolve(projectDir, value);
  }
  if ((PATH_LIST_KEYS as readonly (string | undefined)[]).includes(name)) {
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === '')) {
      throw new DeployError(`${file}: config.${key}: expected a list of paths, got ${JSON.stringify(value)}`);
    }
    return value.map((entry: string) => path.resolve(projectDir, entry));
  }
  return value;
}

/** The value of `mlp:part` for a stack: `platform` or `tenant:<name>`. */
export function partOfStack(stack: string): string {
  if (stack === PLATFORM_STACK) return PLATFORM_STACK;
  const tenant = tenantOfStack(stack);
  if (tenant === undefined) throw new Error(`${stack} is neither the platform stack nor a tenant stack`);
  return `tenant:${tenant}`;
}
