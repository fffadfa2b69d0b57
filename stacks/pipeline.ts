/**
 * The one checked pipeline: load → resolve → synthesize → policies. The
 * command line (`mlp validate`, and `mlp synth` tenant by tenant in its
 * worker pool), the review tools (`mlp diff`) and the Pulumi program all
 * call it, so no entry point writes, compares or deploys objects that the
 * policies refuse.
 */
import { LoadOptions, PlatformConfig, loadConfig, parseTenant } from '../config/load';
import { Problem, ValidationError, formatProblem } from '../config/problems';
import { PlatformFile } from '../config/schema/platform';
import { SourceFile } from '../config/schema/parse-file';
import { TenantConfig } from '../config/tenant-config';
import { PolicyResult, PolicyViolation, PolicyViolationError, UnusedWaiver, evaluatePolicies, policyOptions, violationProblem } from '../policy/evaluate';
import { ObjectGroup } from '../policy/kube-object';
import { synthesizePlatform, synthesizeTenant } from './synth';

/** Objects that passed the policies, and what reviewers should see about the waivers. */
export interface Synthesis {
  /** The objects per output folder: the platform's first, then every (selected) tenant's in name order. */
  readonly groups: readonly ObjectGroup[];
  /** Violations a tenant waived, with the waiver, in the order of the groups. */
  readonly waived: readonly PolicyViolation[];
  /** Waivers that waived nothing. */
  readonly unusedWaivers: readonly UnusedWaiver[];
}

/** A {@link Synthesis} and the configuration it was made from. */
export interface ConfigSynthesis extends Synthesis {
  readonly config: PlatformConfig;
}

/**
 * The groups to synthesize: the platform's or not, and which tenants'. A
 * stack of one tenant (docs/deploy.md#one-stack-per-tenant) synthesizes and
 * checks the platform and its own tenant only, so that its time does not
 * grow with the number of tenants; every tenant file is still loaded and
 * checked against the others (cohort borrowing).
 */
export interface GroupSelection {
  /** Synthesize the platform's objects. */
  readonly platform: boolean;
  /** The tenants whose objects to synthesize; a name without a tenant file selects nothing. */
  readonly tenants: readonly string[];
}

/**
 * Loads the platform file and every tenant file, resolves the platform's
 * defaults, synthesizes the objects and runs every policy on them.
 *
 * @param only the groups to synthesize and check
 * @default only - every group
 * @throws ValidationError with every problem of every input file
 * @throws PolicyViolationError (a ValidationError) with every violation no waiver accepts
 */
export function synthesize(options: LoadOptions, only?: GroupSelection): ConfigSynthesis {
  const config = loadConfig(options);
  return { config, ...synthesizeConfig(config, only) };
}

/**
 * Synthesizes a loaded configuration (e.g. `mlp diff`'s base revision, read
 * from git) and runs every policy on it.
 *
 * @param only the groups to synthesize and check
 * @default only - every group
 * @throws PolicyViolationError with every violation no waiver accepts
 */
export function synthesizeConfig(config: PlatformConfig, only?: GroupSelection): Synthesis {
  const selected = only === undefined ? undefined : new Set(only.tenants);
  const tenants = selected === undefined ? config.tenants : config.tenants.filter((tenant) => selected.has(tenant.name));
  return checked([
    ...(only === undefined || only.platform ? [checkGroup(config.platform, config.file)] : []),
    ...tenants.map((tenant) => checkGroup(config.platform, config.file, tenant)),
  ]);
}

/**
 * The platform file's own objects, checked: one unit of `mlp synth`'s worker pool.
 *
 * @param platformFile the platform file as displayed
 * @throws PolicyViolationError with every violation
 */
export function synthesizePlatformFile(platform: PlatformFile, platformFile: string): Synthesis {
  return checked([checkGroup(platform, platformFile)]);
}

/**
 * One tenant file, from its text: parsed, validated and resolved against
 * the platform, synthesized and checked. One unit of `mlp synth`'s worker
 * pool; `synthesize` does the same for every file.
 *
 * @param file the path of the tenant file (its name must match metadata.name)
 * @param source the file as displayed and its text
 * @throws ValidationError with every problem of the file
 * @throws PolicyViolationError with every violation no waiver of the tenant accepts
 */
export function synthesizeTenantFile(platform: PlatformFile, platformFile: string, file: string, source: SourceFile): Synthesis {
  const problems: Problem[] = [];
  const tenant = parseTenant(platform, file, source, problems);
  if (!tenant) throw new ValidationError(problems);
  return checked([checkGroup(platform, platformFile, tenant)]);
}

/**
 * One line per waived violation and per waiver that waives nothing, as the
 * command line and the Pulumi program print them.
 */
export function policyNotes(result: Pick<Synthesis, 'waived' | 'unusedWaivers'>): string[] {
  return [
    ...result.waived.map((violation) => `mlp: waived: ${formatProblem(violationProblem(violation))} (waiver: "${violation.waiver!.reason}")`),
    ...result.unusedWaivers.map(
      (unused) =>
        `mlp: note: ${unused.file}: spec.policyWaivers[${unused.index}]: ${unused.waiver.policy} is waived but no object of tenant ${unused.tenant} violates it; remove the waiver`,
    ),
  ];
}

/** The objects of the platform (no tenant) or of one tenant, and what the policies found in them. */
function checkGroup(platform: PlatformFile, platformFile: string, tenant?: TenantConfig): PolicyResult & { readonly group: ObjectGroup } {
  const group = tenant ? synthesizeTenant(platform, tenant) : synthesizePlatform(platform, platformFile);
  const options = policyOptions({ file: platformFile, platform, tenants: tenant ? [tenant] : [] });
  return { group, ...evaluatePolicies([group], options) };
}

function checked(results: ReadonlyArray<PolicyResult & { readonly group: ObjectGroup }>): Synthesis {
  const violations = results.flatMap((result) => result.violations);
  if (violations.length > 0) throw new PolicyViolationError(violations);
  return {
    groups: results.map((result) => result.group),
    waived: results.flatMap((result) => result.waived),
    unusedWaivers: results.flatMap((result) => result.unusedWaivers),
  };
}
