/**
 * The names of the Pulumi stacks of a cluster: one for the platform's
 * objects and one per tenant. One source for the program, `mlp affected`
 * and the fan-out of `mlp deploy` / `mlp preview`.
 */
import { compareNames } from '../lib/names';

/** Name of the stack holding the platform's objects. */
export const PLATFORM_STACK = 'platform';
/** Prefix of a tenant's stack name: the tenant `nlp` is deployed by stack `tenant-nlp`. */
export const TENANT_STACK_PREFIX = 'tenant-';

/** The stack that deploys `tenant`. */
export function tenantStackName(tenant: string): string {
  return `${TENANT_STACK_PREFIX}${tenant}`;
}

/** The tenant a stack name deploys, or undefined for a name that is not a tenant stack's. */
export function tenantOfStack(stack: string): string | undefined {
  return stack.startsWith(TENANT_STACK_PREFIX) && stack.length > TENANT_STACK_PREFIX.length ? stack.slice(TENANT_STACK_PREFIX.length) : undefined;
}

/** Stack names in deploy order: platform first, then tenant stacks by tenant name, then any other name. */
export function sortStackNames(names: Iterable<string>): string[] {
  const rank = (stack: string) => (stack === PLATFORM_STACK ? 0 : tenantOfStack(stack) !== undefined ? 1 : 2);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || compareNames(a, b));
}
