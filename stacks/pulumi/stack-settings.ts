/**
 * The stack configuration of the Pulumi program (`Pulumi.<stack>.yaml`,
 * namespace `mlp:`), read and checked once, with every default resolved.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { DNS1123_LABEL } from '../../lib/names';

/** The configuration namespace of the program's settings. */
export const CONFIG_NAMESPACE = 'mlp';

export interface StackSettings {
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
   * @default - `<project>-<stack>`
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
 * @throws pulumi.RunError when `mlp:decommission` is not a list of tenant names.
 */
export function readStackSettings(config: pulumi.Config = new pulumi.Config(CONFIG_NAMESPACE)): StackSettings {
  const kubeconfig = config.get('kubeconfig');
  const context = config.get('context');
  return {
    ...(kubeconfig !== undefined && { kubeconfig: path.resolve(kubeconfig) }),
    ...(context !== undefined && { context }),
    clusterIdentifier: config.get('clusterIdentifier') ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
    tenantsDir: config.get('tenantsDir') ?? 'tenants',
    platformFile: config.get('platformFile') ?? 'platform.yaml',
    decommission: readDecommission(config),
    skipAwait: config.getBoolean('skipAwait') ?? false,
    crdFiles: readCrdFiles(config),
  };
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
