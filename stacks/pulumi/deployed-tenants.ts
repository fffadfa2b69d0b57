/**
 * The guard against deleting a tenant by removing its file: the stack
 * records the tenants it deployed in a stack output, the next update reads
 * that output back through a StackReference to the stack itself, and
 * refuses, before any resource is registered, to go on when a deployed
 * tenant has disappeared without being decommissioned (docs/deploy.md).
 */
import * as pulumi from '@pulumi/pulumi';
import { compareNames } from '../../lib/names';

/** Name of the stack output that records the deployed tenants. */
export const TENANTS_OUTPUT = 'tenants';

/** What the stack records about one deployed tenant. */
export interface DeployedTenant {
  /** Whether its Namespace and checkpoint volumes were deployed protected. */
  readonly protected: boolean;
}

/** The deployed tenants by name. */
export type DeployedTenants = Readonly<Record<string, DeployedTenant>>;

/** Name of the StackReference resource through which the program reads its own stack's outputs. */
export const SELF_REFERENCE = 'previous-update';

/**
 * The tenants deployed by the stack's last successful update, read from its
 * own `tenants` output; none for a stack that was never deployed.
 */
export async function readDeployedTenants(): Promise<DeployedTenants> {
  const self = new pulumi.StackReference(SELF_REFERENCE, { name: qualifiedStackName(pulumi.getStack()) });
  const details = await self.getOutputDetails(TENANTS_OUTPUT);
  return parseDeployedTenants(details.value ?? details.secretValue);
}

/**
 * The fully qualified name of a stack of this project,
 * `<organization>/<project>/<stack>`; a name that has a `/` is taken as
 * qualified already.
 */
export function qualifiedStackName(stack: string): string {
  if (stack.includes('/')) return stack;
  let organization: string | undefined;
  try {
    organization = pulumi.getOrganization();
  } catch {
    // An older language host does not tell the organization; the bare stack
    // name then resolves within the current project.
    return stack;
  }
  return `${organization}/${pulumi.getProject()}/${stack}`;
}

/**
 * Checks the value of the `tenants` output.
 *
 * @throws pulumi.RunError when the value is not a map of tenant names to `{ protected: boolean }`.
 */
export function parseDeployedTenants(value: unknown): DeployedTenants {
  if (value === undefined || value === null) return {};
  const valid =
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'object' && entry !== null && typeof (entry as DeployedTenant).protected === 'boolean');
  if (!valid) {
    throw new pulumi.RunError(
      `the stack output "${TENANTS_OUTPUT}" of the last update is not a map of tenant names to { protected: boolean }: ` +
        `${JSON.stringify(value)}; refusing to guess which tenants are deployed`,
    );
  }
  return value as DeployedTenants;
}

/** What {@link checkTenantRemovals} compares. */
export interface TenantRemovals {
  /** The stack name, for messages. */
  readonly stack: string;
  /** The tenants directory, for messages. */
  readonly tenantsDir: string;
  /** The tenants the last update deployed. */
  readonly deployed: DeployedTenants;
  /** The tenants whose files exist now. */
  readonly current: readonly string[];
  /** The tenants listed in `mlp:decommission`. */
  readonly decommission: readonly string[];
  /**
   * The stack deploys one tenant (`mlp:part: tenant:<tenant>`): the messages
   * name `npx mlp deploy --stack <stack>` instead of `pulumi up`, and the
   * removal of the stack once its tenant is deleted.
   * @default false
   */
  readonly tenantStack?: boolean;
}

/** The outcome of {@link checkTenantRemovals}. */
export interface TenantRemovalReport {
  /** Why the update must not go on; empty when it may. */
  readonly errors: readonly string[];
  /** What the user should know: decommissions under way and stale entries of `mlp:decommission`. */
  readonly warnings: readonly string[];
  /** The deployed tenants this update deletes. */
  readonly deleting: readonly string[];
}

/**
 * Compares the deployed tenants with the tenant files. A deployed tenant
 * without a file may be deleted only when it is listed in `mlp:decommission`
 * and the last update deployed it unprotected (step 1 of the decommission
 * procedure); anything else is an error.
 */
export function checkTenantRemovals(input: TenantRemovals): TenantRemovalReport {
  const current = new Set(input.current);
  const decommission = new Set(input.decommission);
  const errors: string[] = [];
  const warnings: string[] = [];
  const deleting: string[] = [];
  const file = (name: string) => `${input.tenantsDir}/${name}.yaml`;
  const update = input.tenantStack ? `\`npx mlp deploy --stack ${input.stack}\`` : '`pulumi up`';

  for (const [name, deployed] of Object.entries(input.deployed).sort(([a], [b]) => compareNames(a, b))) {
    if (current.has(name)) continue;
    if (!decommission.has(name)) {
      errors.push(
        `tenant "${name}" is deployed, but ${file(name)} is gone; deleting it would delete namespace ${name} with every workload and checkpoint volume in it`,
      );
    } else if (deployed.protected) {
      errors.push(
        `tenant "${name}" is listed in mlp:decommission, but the last update deployed it protected; ` +
          `restore ${file(name)} and run ${update} first (step 1), then delete the file again`,
      );
    } else {
      deleting.push(name);
      warnings.push(`deleting tenant "${name}" (listed in mlp:decommission): its namespace, workloads and checkpoint volumes`);
    }
  }
  for (const name of input.decommission) {
    if (current.has(name)) {
      warnings.push(
        `tenant "${name}" is listed in mlp:decommission: its namespace and checkpoint volumes are not protected; ` +
          `delete ${file(name)} and run ${update} to delete the tenant, or remove it from mlp:decommission to protect it again`,
      );
    } else if (!(name in input.deployed)) {
      warnings.push(
        input.tenantStack
          ? `tenant "${name}" is deleted and stack ${input.stack} holds no object of the cluster (step 3): remove the stack (pulumi stack rm --force ${input.stack}) and "${name}" from mlp:decommission`
          : `mlp:decommission lists "${name}", which has no file in ${input.tenantsDir}/ and is not deployed; remove it from mlp:decommission`,
      );
    }
  }
  return { errors, warnings, deleting };
}

/**
 * The message of the error that stops an update which would delete tenants.
 *
 * @param tenant the tenant of a tenant stack (`mlp:part: tenant:<tenant>`), whose steps it names
 * @default tenant - a stack of every tenant
 */
export function removalErrorMessage(stack: string, tenantsDir: string, errors: readonly string[], tenant?: string): string {
  if (tenant !== undefined) {
    const file = `${tenantsDir}/${tenant}.yaml`;
    const deploy = `\`npx mlp deploy --stack ${stack}\``;
    return [
      `refusing to update stack ${stack}: it would delete tenants that are not being decommissioned. Nothing was changed.`,
      ...errors.map((error) => `  - ${error}`),
      `If ${file} was removed by mistake, restore it. To decommission tenant "${tenant}" on purpose (docs/deploy.md#decommissioning-a-tenant-stack):`,
      `  1. with ${file} in place, add "${tenant}" to mlp:decommission in the environment's settings file and run ${deploy}; this unprotects its namespace and checkpoint volumes and deletes nothing;`,
      `  2. delete ${file} and run ${deploy}; this deletes the tenant;`,
      `  3. remove the stack (pulumi stack rm --force ${stack}) and "${tenant}" from mlp:decommission.`,
    ].join('\n');
  }
  return [
    `refusing to update stack ${stack}: it would delete tenants that are not being decommissioned. Nothing was changed.`,
    ...errors.map((error) => `  - ${error}`),
    `If a tenant file was removed by mistake, restore it. To decommission a tenant on purpose (docs/deploy.md):`,
    `  1. with ${tenantsDir}/<tenant>.yaml in place, add the tenant to mlp:decommission (pulumi config set --path 'mlp:decommission[0]' <tenant>) and run \`pulumi up\`; this unprotects its namespace and checkpoint volumes and deletes nothing;`,
    `  2. delete ${tenantsDir}/<tenant>.yaml and run \`pulumi up\`; this deletes the tenant;`,
    `  3. remove the tenant from mlp:decommission.`,
  ].join('\n');
}
