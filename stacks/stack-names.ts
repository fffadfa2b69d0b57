/**
 * The names of the Pulumi stacks of one environment: the platform's stack and
 * one stack per tenant (docs/deploy.md#one-stack-per-tenant), and the names
 * of the program's components and provider, which make the resources' URNs.
 * One source for the Pulumi program, `mlp affected`, the fan-out runner and
 * the migration (which moves components between stacks by URN). The
 * component and provider names are part of every deployed resource's URN:
 * changing one would make Pulumi replace or orphan every object.
 */
import { DNS1123_LABEL, compareNames } from '../lib/names';

/** Pulumi type token of the program's platform component (stacks/pulumi/platform.ts). */
export const PLATFORM_COMPONENT_TYPE = 'mlp:platform:Platform';

/** Pulumi type token of the program's component for one tenant, named as the tenant (stacks/pulumi/tenant.ts). */
export const TENANT_COMPONENT_TYPE = 'mlp:platform:Tenant';

/** Name of the program's platform component. */
export const PLATFORM_COMPONENT_NAME = 'platform';

/** Name of the program's one explicit Kubernetes provider. */
export const PROVIDER_NAME = 'kubernetes';

/** Name of the stack holding the platform's objects. */
export const PLATFORM_STACK = 'platform';

/** Prefix of a tenant's stack name: the tenant `nlp` is deployed by stack `tenant-nlp`. */
export const TENANT_STACK_PREFIX = 'tenant-';

/** The name of the stack that deploys `tenant`. */
export function tenantStackName(tenant: string): string {
  return `${TENANT_STACK_PREFIX}${tenant}`;
}

/** The tenant a stack name deploys, or undefined for a name that is not a tenant stack's. */
export function tenantOfStack(stack: string): string | undefined {
  if (!stack.startsWith(TENANT_STACK_PREFIX)) return undefined;
  const tenant = stack.slice(TENANT_STACK_PREFIX.length);
  return DNS1123_LABEL.test(tenant) ? tenant : undefined;
}

/**
 * Stack names in deploy order, each once: platform first, then tenant stacks
 * by tenant name, then any other names by name.
 */
export function sortStackNames(names: Iterable<string>): string[] {
  const rank = (name: string) => (name === PLATFORM_STACK ? 0 : tenantOfStack(name) !== undefined ? 1 : 2);
  const key = (name: string) => tenantOfStack(name) ?? name;
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || compareNames(key(a), key(b)));
}
