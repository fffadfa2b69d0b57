/**
 * What `mlp validate` and `mlp synth` print about the policies besides
 * violations (which fail the command like any other problem): waived
 * violations and waivers that waive nothing, so that reviewers see them.
 */
import { Synthesis, policyNotes } from '../stacks/pipeline';

/** Writes one line per waived violation and per unused waiver to `out`. */
export function writePolicyNotes(result: Pick<Synthesis, 'waived' | 'unusedWaivers'>, out: NodeJS.WritableStream): void {
  for (const line of policyNotes(result)) out.write(`${line}\n`);
}
