/**
 * Runs every policy of the catalog on synthesized objects, applies the
 * tenants' written waivers, and turns what is left into problems that
 * `mlp validate` and `mlp synth` report like any other input problem.
 */
import { PlatformConfig } from '../config/load';
import { Problem, ValidationError } from '../config/problems';
import { POLICY_IDS, PolicyId } from '../config/policy-ids';
import { POLICIES } from './catalog';
import { ObjectGroup } from './kube-object';
import { POLICY_CHECKS } from './rules';

/** A tenant's written decision to accept violations of one policy. */
export interface PolicyWaiver {
  /** The waived policy. */
  readonly policy: PolicyId;
  /** Why the violations are acceptable, for reviewers. */
  readonly reason: string;
}

/** One finding of one policy on one object. */
export interface PolicyViolation {
  readonly policy: PolicyId;
  /** The input file the object comes from. */
  readonly file: string;
  /** The tenant, or undefined for the platform's objects. */
  readonly tenant?: string;
  readonly object: { readonly kind: string; readonly name: string; readonly namespace?: string };
  /** What is wrong: the container, field and value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** The tenant's waiver that accepts this violation, when there is one. */
  readonly waiver?: PolicyWaiver;
}

/** A waiver that accepted nothing: the violation it was written for is gone. */
export interface UnusedWaiver {
  readonly file: string;
  readonly tenant: string;
  /** Index in `spec.policyWaivers`. */
  readonly index: number;
  readonly waiver: PolicyWaiver;
}

export interface PolicyResult {
  /** Violations no waiver accepts: these fail validation. */
  readonly violations: readonly PolicyViolation[];
  /** Violations a tenant waived, with the waiver. */
  readonly waived: readonly PolicyViolation[];
  readonly unusedWaivers: readonly UnusedWaiver[];
}

export interface EvaluateOptions {
  /** The platform domain of public hosts (spec.exposure.domain). */
  readonly ingressDomain: string;
  /** Extended resource names of GPUs. */
  readonly gpuResourceNames: readonly string[];
  /** Waivers of each tenant, by tenant name; groups whose dir is a key here are tenants. */
  readonly waivers: ReadonlyMap<string, readonly PolicyWaiver[]>;
}

/** The options of a loaded configuration: its public domain, GPU resources and the tenants' waivers. */
export function policyOptions(config: PlatformConfig): EvaluateOptions {
  const spec = config.platform.spec;
  return {
    ingressDomain: spec.exposure.domain,
    gpuResourceNames: [...new Set(Object.values(spec.gpuTypes).map((type) => type.resourceName))].sort(),
    waivers: new Map(config.tenants.map((tenant) => [tenant.name, tenant.policyWaivers])),
  };
}

/** Runs every policy on every object of every group. */
export function evaluatePolicies(groups: readonly ObjectGroup[], options: EvaluateOptions): PolicyResult {
  const violations: PolicyViolation[] = [];
  const waived: PolicyViolation[] = [];
  const unusedWaivers: UnusedWaiver[] = [];
  for (const group of groups) {
    const tenantWaivers = options.waivers.get(group.dir);
    const isTenant = tenantWaivers !== undefined;
    const context = { objects: group.objects, ingressDomain: options.ingressDomain, gpuResourceNames: options.gpuResourceNames, isTenant };
    const used = new Set<PolicyId>();
    for (const object of group.objects) {
      for (const policy of POLICY_IDS) {
        for (const message of POLICY_CHECKS[policy](object, context)) {
          const waiver = tenantWaivers?.find((candidate) => candidate.policy === policy);
          const violation: PolicyViolation = {
            policy,
            file: group.source,
            ...(isTenant && { tenant: group.dir }),
            object: { kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace !== undefined && { namespace: object.metadata.namespace }) },
            message,
            fix: POLICIES[policy].fix,
            ...(waiver && { waiver }),
          };
          if (waiver) {
            used.add(policy);
            waived.push(violation);
          } else {
            violations.push(violation);
          }
        }
      }
    }
    (tenantWaivers ?? []).forEach((waiver, index) => {
      if (!used.has(waiver.policy)) unusedWaivers.push({ file: group.source, tenant: group.dir, index, waiver });
    });
  }
  return { violations, waived, unusedWaivers };
}

/** Where a violation is: `namespace/Kind/name`. */
export function violationObject(violation: PolicyViolation): string {
  const { kind, name, namespace } = violation.object;
  return namespace !== undefined ? `${namespace}/${kind}/${name}` : `${kind}/${name}`;
}

/** A violation as a problem: `tenants/nlp.yaml: nlp/Deployment/chat: MLP003: ...; fix: ...`. */
export function violationProblem(violation: PolicyViolation): Problem {
  return {
    file: violation.file,
    path: violationObject(violation),
    message: `${violation.policy} (${POLICIES[violation.policy].title}): ${violation.message}; fix: ${violation.fix}`,
  };
}

/**
 * Thrown when objects violate policies that no waiver accepts: a
 * ValidationError whose problems are the violations, one per finding, so
 * that every entry point reports them like any other input problem.
 */
export class PolicyViolationError extends ValidationError {
  public constructor(public readonly violations: readonly PolicyViolation[]) {
    super(violations.map(violationProblem));
    this.name = 'PolicyViolationError';
  }
}
