/**
 * The package's `mlp/config` entry point: reading and validating tenant and
 * platform files as `mlp validate` does, for tools of your own. Only
 * re-exports.
 */
export { loadConfig } from './load';
export type { LoadOptions, PlatformConfig } from './load';
export { ValidationError, formatProblem, sortProblems } from './problems';
export type { Problem } from './problems';
export type { ModelServiceConfig, TenantConfig, TrainingJobConfig } from './tenant-config';
export type { TenantQueueConfig } from './tenant-queue-config';
export type { PlatformFile } from './schema/platform';
export type { TenantFile } from './schema/tenant';
export { POLICY_IDS } from './policy-ids';
export type { PolicyId } from './policy-ids';
