/**
 * `spec.policyWaivers` of the tenant file: a tenant's written decision to
 * accept the violations of a policy, reviewed like any other change.
 */
import { z } from 'zod';
import { describeValue } from './common';
import { POLICY_IDS } from '../policy-ids';

/** Shortest reason accepted: enough for a sentence a reviewer can judge. */
export const MIN_WAIVER_REASON = 10;

export const PolicyWaiverSchema = z
  .strictObject({
    policy: z
      .enum(POLICY_IDS, { error: (issue) => `expected a policy id (${POLICY_IDS.join(', ')}), got ${describeValue(issue.input)}` })
      .meta({ description: 'Id of the waived policy (see docs/reviewing.md).' }),
    reason: z
      .string({ error: 'expected a reason: why the violations are acceptable' })
      .trim()
      .min(MIN_WAIVER_REASON, { error: `write a reason of at least ${MIN_WAIVER_REASON} characters that a reviewer can judge` })
      .meta({ description: 'Why the violations are acceptable; shown by mlp validate.' }),
  })
  .meta({ description: 'Accept every violation of one policy by this tenant’s objects.' });

export const PolicyWaiversSchema = z
  .array(PolicyWaiverSchema)
  .default([])
  .superRefine((waivers, ctx) => {
    const seen = new Map<string, number>();
    waivers.forEach((waiver, index) => {
      const first = seen.get(waiver.policy);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'policy'], message: `${waiver.policy} is already waived by policyWaivers[${first}]; waive a policy once` });
      } else {
        seen.set(waiver.policy, index);
      }
    });
  })
  .meta({ description: 'Policies whose violations this tenant accepts, each with a written reason. @default none' });

export type PolicyWaiverEntry = z.output<typeof PolicyWaiverSchema>;
