/**
 * Policy checks of `mlp validate` and `mlp synth`: violations fail the
 * command like any other problem; waived violations and waivers that waive
 * nothing are listed so that reviewers see them.
 */
import { PlatformConfig } from '../config/load';
import { formatProblem } from '../config/problems';
import { PolicyResult, enforcePolicies, policyOptions, violationProblem } from '../policy/evaluate';
import { ObjectGroup } from '../stacks/synth';

/**
 * Evaluates every policy on the synthesized groups and writes one line per
 * waived violation and per unused waiver to `out`.
 *
 * @throws ValidationError with every violation no waiver accepts
 */
export function checkPolicies(config: PlatformConfig, groups: readonly ObjectGroup[], out: NodeJS.WritableStream): void {
  writePolicyNotes(enforcePolicies(groups, policyOptions(config)), out);
}

/** Writes one line per waived violation and per unused waiver to `out`. */
export function writePolicyNotes(result: Pick<PolicyResult, 'waived' | 'unusedWaivers'>, out: NodeJS.WritableStream): void {
  for (const violation of result.waived) {
    out.write(`mlp: waived: ${formatProblem(violationProblem(violation))} (waiver: "${violation.waiver!.reason}")\n`);
  }
  for (const unused of result.unusedWaivers) {
    out.write(
      `mlp: note: ${unused.file}: spec.policyWaivers[${unused.index}]: ${unused.waiver.policy} is waived but no object of tenant ${unused.tenant} violates it; remove the waiver\n`,
    );
  }
}
