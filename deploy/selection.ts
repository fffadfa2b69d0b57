/**
 * Which stacks a fan-out runs: names given one by one (checked), or every
 * stack of the environment (`--all`).
 */
import * as fs from 'fs';
import { DNS1123_LABEL } from '../lib/names';
import { PLATFORM_STACK, sortStackNames, tenantOfStack, tenantStackName } from '../stacks/stack-names';
import { DeployError } from './deploy-error';

/** Whether `name` names a stack of a split deployment: `platform` or `tenant-<tenant>`. */
export function isStackName(name: string): boolean {
  if (name === PLATFORM_STACK) return true;
  const tenant = tenantOfStack(name);
  return tenant !== undefined && DNS1123_LABEL.test(tenant);
}

/**
 * Every stack of the environment, in deploy order: the platform stack, a
 * stack per tenant file in `tenantsDir` (the file name is the tenant's
 * name), and every existing tenant stack whose file is gone, so that its
 * removal guard refuses (or, when decommissioned, deletes) rather than the
 * stack being silently skipped.
 */
export function allStacks(tenantsDir: string, existing: Iterable<string>): string[] {
  let files: string[];
  try {
    files = fs.readdirSync(tenantsDir).filter((entry) => /\.ya?ml$/.test(entry));
  } catch (error) {
    throw new DeployError(`${tenantsDir}: cannot list the tenant files (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check mlp:tenantsDir in the settings file`);
  }
  const fromFiles = files.map((file) => tenantStackName(file.replace(/\.ya?ml$/, '')));
  const deployed = [...existing].filter((stack) => tenantOfStack(stack) !== undefined);
  return sortStackNames([PLATFORM_STACK, ...fromFiles, ...deployed]);
}
