/**
 * The stack configuration of the Pulumi program (`Pulumi.<stack>.yaml`,
 * namespace `mlp:`), read and checked once, with every default resolved.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { DNS1123_LABEL } from '../../lib/names';
import { PLATFORM_STACK } from '../stack-names';

/** The configuration namespace of the program's settings. */
export const CONFIG_NAMESPACE = 'mlp';

/**
 * What a stack deploys (`mlp:part`): everything (one stack for the whole
 * environment), the platform's objects only, or one tenant's objects only
 * (docs/deploy.md#one-stack-per-tenant).
 */
export type StackPart = { readonly kind: 'all' } | { readonly kind: 'platform' } | { readonly kind: 'tenant'; readonly tenant: string };

export interface StackSettings {
  /**
   * What the stack deploys (`mlp:part`): `all`, `platform` or `tenant:<tenant>`.
   * @default { kind: 'all' } - the platform and every tenant, in one stack
   */
  readonly part: StackPart;
  /**
   * The stack that a tenant stack reads the platform's `platform` output from
   * (`mlp:platformStack`), qualified like the running stack when it names no
   * organization and project.
   * @default 'platform'
   */
  readonly platformStack: string;
  /**
   * Path of the kubeconfig file (`mlp:kubeconfig`), resolved against the
   * working directory (the project directory when run by Pulumi).
   * @default - the ambient kubeconfig: $KUBECONFIG, else ~/.kube/config
   */
  readonly kubeconfig?: string;
  /**
   * kubeconfig context (`mlp:context`).
   * @default - the kubeconfig's current context
   */
  readonly context?: string;
  /**
   * Identity of the cluster the stack deploys to (`mlp:clusterIdentifier`).
   * The provider, and with it every resource, is replaced only when this
   * changes; a changed kubeconfig path or context is a mere update.
   * Required when `part` is `platform` or a tenant: every stack of a cluster
   * must use the same value.
   * @default - `<project>-<stack>` for `part` `all`
   * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/
   */
  readonly clusterIdentifier: string;
  /**
   * Directory of tenant files (`mlp:tenantsDir`).
   * @default 'tenants'
   */
  readonly tenantsDir: string;
  /**
   * The platform file (`mlp:platformFile`).
   * @default 'platform.yaml'
   */
  readonly platformFile: string;
  /**
   * Tenants being decommissioned (`mlp:decommission`): their Namespace and
   * checkpoint volumes are unprotected, and their removal is allowed. See
   * docs/deploy.md.
   * @default []
   */
  readonly decommission: readonly string[];
  /**
   * Annotate every object with `pulumi.com/skipAwait: "true"` (`mlp:skipAwait`),
   * so that `pulumi up` never waits for objects to become ready; for clusters
   * without kubelets or controllers. Training Jobs skip the wait regardless.
   * @default false
   */
  readonly skipAwait: boolean;
  /**
   * YAML files of CustomResourceDefinitions that the platform installs first,
   * in the same update as the custom resources that need them
   * (`mlp:crdFiles`), e.g. the prometheus-operator CRDs where no operator
   * installation provides them. Resolved against the working directory.
   * @default [] - the CRDs are installed by other means
   */
  readonly crdFiles: readonly string[];
}

/**
 * Reads the settings from the stack configuration.
 *
 * @throws pulumi.RunError when `mlp:decommission` is not a list of tenant names,
 * `mlp:part` is not one of its forms, or `mlp:clusterIdentifier` is missing
 * in a stack of the platform or a tenant.
 */
export function readStackSettings(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE)): StackSettings {
  const kubeconfig = config.get('kubeconfig');
  const context = config.get('context');
  const part = readPart(config);
  return {
    part,
    platformStack: readPlatformStack(config),
    ...(kubeconfig !== undefined && { kubeconfig: path.resolve(kubeconfig) }),
    ...(context !== undefined && { context }),
    clusterIdentifier: readClusterIdentifier(config, part),
    tenantsDir: config.get('tenantsDir') ?? 'tenants',
    platformFile: config.get('platformFile') ?? 'platform.yaml',
    decommission: readDecommission(config),
    skipAwait: config.getBoolean('skipAwait') ?? false,
    crdFiles: readCrdFiles(config),
  };
}

/** The accepted forms of `mlp:part`, for messages. */
const PART_FORMS = '"all", "platform" or "tenant:<tenant>" (e.g. "tenant:vision")';

function readPart(config: pulumi.Config): StackPart {
  const value = config.get('part');
  if (value === undefined || value === 'all') return { kind: 'all' };
  if (value === 'platform') return { kind: 'platform' };
  const tenant = value.startsWith('tenant:') ? value.slice('tenant:'.length) : undefined;
  if (tenant !== undefined && DNS1123_LABEL.test(tenant)) return { kind: 'tenant', tenant };
  const why = tenant === undefined ? 'is not a part' : `names no tenant ("${tenant}" is not a tenant name: lowercase letters, digits and '-')`;
  throw new pulumi.RunError(`${CONFIG_NAMESPACE}:part: ${JSON.stringify(value)} ${why}; expected ${PART_FORMS}`);
}

/** The text of a part as `mlp:part` spells it. */
export function partText(part: StackPart): string {
  return part.kind === 'tenant' ? `tenant:${part.tenant}` : part.kind;
}

function readPlatformStack(config: pulumi.Config): string {
  const value = config.get('platformStack') ?? PLATFORM_STACK;
  // A stack name, optionally qualified as <organization>/<project>/<stack>.
  if (!/^([A-Za-z0-9._-]+\/){0,2}[A-Za-z0-9._-]+$/.test(value)) {
    throw new pulumi.RunError(
      `${CONFIG_NAMESPACE}:platformStack: ${JSON.stringify(value)} is not a stack name; expected a name such as "${PLATFORM_STACK}" or "<organization>/<project>/${PLATFORM_STACK}"`,
    );
  }
  return value;
}

/**
 * The cluster identifier; required in a split stack, since the default
 * differs per stack and a provider whose identifier changes is replaced
 * with every object (a state moved from the single stack would be recreated).
 */
function readClusterIdentifier(config: pulumi.Config, part: StackPart): string {
  const value = config.get('clusterIdentifier');
  if (value !== undefined) return value;
  if (part.kind === 'all') return `${pulumi.getProject()}-${pulumi.getStack()}`;
  throw new pulumi.RunError(
    `${CONFIG_NAMESPACE}:clusterIdentifier: required when ${CONFIG_NAMESPACE}:part is "${partText(part)}"; ` +
      `set the same value in every stack of the cluster: under npx mlp deploy/preview in the environment's settings file (mlp rewrites each stack's configuration from it), ` +
      `otherwise with pulumi config set ${CONFIG_NAMESPACE}:clusterIdentifier <id>. ` +
      `When moving from a single stack, use that stack's identifier: its ${CONFIG_NAMESPACE}:clusterIdentifier, or ${pulumi.getProject()}-<old stack> if it was never set; ` +
      `any other value replaces every moved object`,
  );
}

function readCrdFiles(config: pulumi.Config): string[] {
  const key = `${CONFIG_NAMESPACE}:crdFiles`;
  let value: unknown;
  try {
    value = config.getObject<unknown>('crdFiles');
  } catch {
    throw new pulumi.RunError(`${key}: expected a list of YAML file paths, got ${JSON.stringify(config.get('crdFiles'))}`);
  }
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((file) => typeof file !== 'string' || file.length === 0)) {
    throw new pulumi.RunError(`${key}: expected a list of YAML file paths, got ${JSON.stringify(value)}`);
  }
  return (value as string[]).map((file) => path.resolve(file));
}

function readDecommission(config: pulumi.Config): string[] {
  const key = `${CONFIG_NAMESPACE}:decommission`;
  let value: unknown;
  try {
    value = config.getObject<unknown>('decommission');
  } catch {
    throw new pulumi.RunError(`${key}: expected a list of tenant names, e.g. ["vision"], got ${JSON.stringify(config.get('decommission'))}`);
  }
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new pulumi.RunError(`${key}: expected a list of tenant names, e.g. ["vision"], got ${JSON.stringify(value)}`);
  }
  const invalid = value.filter((name) => typeof name !== 'string' || !DNS1123_LABEL.test(name));
  if (invalid.length > 0) {
    throw new pulumi.RunError(`${key}: ${invalid.map((name) => JSON.stringify(name)).join(', ')} ${invalid.length === 1 ? 'is not a tenant name' : 'are not tenant names'} (lowercase letters, digits and '-')`);
  }
  return [...new Set(value as string[])].sort();
}

/**
 * The Pulumi project directory: the nearest directory at or above `start`
 * that holds Pulumi.yaml. The Node.js language host runs the program in the
 * directory of `main` (build/stacks/pulumi), not in the project directory,
 * and older hosts do not report the project directory to the program.
 *
 * @throws pulumi.RunError when no directory above `start` holds Pulumi.yaml.
 */
export function projectDirectory(start: string = process.cwd()): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'Pulumi.yaml')) || fs.existsSync(path.join(dir, 'Pulumi.yml'))) return dir;
    if (path.dirname(dir) === dir) throw new pulumi.RunError(`no Pulumi.yaml in ${path.resolve(start)} or any directory above it`);
  }
}
