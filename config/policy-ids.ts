/**
 * The ids of the policies `mlp validate` and `mlp synth` enforce (policy/
 * holds the rules and what each one demands). Ids are API: tenant files name
 * them in `spec.policyWaivers`, so an id is never reused for another rule.
 * They live here, below policy/, so that the tenant file schema can list
 * them without loading the rules.
 */

/** Every policy id, in order. */
export const POLICY_IDS = ['MLP001', 'MLP002', 'MLP003', 'MLP004', 'MLP005', 'MLP006', 'MLP007', 'MLP008'] as const;

/** A policy id, e.g. `MLP003`. */
export type PolicyId = (typeof POLICY_IDS)[number];
