/**
 * The names of the Pulumi stacks of a split deployment (issue 18): one
 * stack for the platform's objects and one per tenant. One source for the
 * program, `mlp affected` and the fan-out of `mlp deploy`.
 */
import { compareNames } from '../lib/names';

/** Name of the stack holding the platform's objects. */
export const PLATFORM_STACK = 'platform';
/** Prefix of a tenant's stack name: the tenant `nlp` is deployed by stack `tenant-nlp`. */
export const TENANT_STACK_PREFIX = 'tenant-';

export function tenantStackName(tenant: string): string {
  return `${TENANT_STACK_PREFIX}${tenant}`;
}

/** The tenant a stack name deploys, or undefined for a name that is not a tenant stack's. */
export function tenantOfStack(stack: string): string | undefined {
  return stack.startsWith(TENANT_STACK_PREFIX) && stack.length > TENANT_STACK_PREFIX.length ? stack.slice(TENANT_STACK_PREFIX.length) : undefined;
}

/** Stack names in deploy order: platform first, then tenant stacks by tenant name (compareNames of lib/names or config). */
export function sortStackNames(names: Iterable<string>): string[] {
  const rank = (name: string) => (name === PLATFORM_STACK ? 0 : 1);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || compareNames(a, b));
}
