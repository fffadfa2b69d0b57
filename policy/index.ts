/**
 * The package's `mlp/policy` entry point: the policies (MLP001–MLP008) that
 * `mlp validate` runs on synthesized objects, to run them on objects of your
 * own charts. Only re-exports.
 */
export { POLICIES } from './catalog';
export type { PolicyDescription } from './catalog';
export { PolicyViolationError, evaluatePolicies, policyOptions, violationProblem } from './evaluate';
export type { EvaluateOptions, PolicyResult, PolicyViolation, PolicyWaiver, UnusedWaiver } from './evaluate';
export type { KubeObject, ObjectGroup } from './kube-object';
