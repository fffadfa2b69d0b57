/**
 * Properties of broken tenant files: every mutation of a valid file (from
 * tenant-mutations.ts) gives either a file that still loads and synthesizes
 * to valid objects, or the clear validation error: a ValidationError whose
 * problems name the file and say what is wrong, never another exception and
 * never a stack trace. Mutations that always break a file must give the
 * error, naming the field where one is known.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { TenantConfig } from '../../config/tenant-config';
import { synthesizeAll, synthesizeTenant } from '../../stacks/synth';
import { ObjectGroup } from '../../policy/kube-object';
import { renderGroups } from '../../synthesis/render';
import { kubeSchemaProblems } from '../support/kube-schema';
import { LoadOutcome, PROPERTY_TIMEOUT_MS, displayName, expectClearError, filesUnder, load, loadValid, render, renderOrSkip, runs, withProject } from './harness';
import { podConsistencyViolations, restrictedViolations, scopeViolations } from './kube-invariants';
import { GeneratedTenant, PLATFORM, tenantText, validTenant, validTenantSet } from './tenant-arbitraries';
import { Mutated, printable } from './tenant-edit';
import {
  aliasEquivalence,
  aliasTrouble,
  breakingMutation,
  customTag,
  deepNesting,
  deleteAny,
  deleteRequired,
  duplicateKey,
  garbage,
  mergeKey,
  multipleDocuments,
  nastyString,
  outOfRange,
  prototypeName,
  splicedGarbage,
  unknownField,
  wrongType,
} from './tenant-mutations';

/** Violations of the objects of one tenant: schema, namespace, restricted pods, consistent pod specs. */
function violationsOf(objects: ObjectGroup['objects'], tenant: string): string[] {
  return [
    ...objects.flatMap((object) => kubeSchemaProblems(object)),
    ...scopeViolations(objects, tenant, PLATFORM.spec.monitoring.namespace),
    ...objects.flatMap((object) => restrictedViolations(object)),
    ...podConsistencyViolations(objects, PLATFORM),
  ];
}

/** Whether the unmutated tenant loads and synthesizes to objects without violations, by tenant. */
const cleanBase = new WeakMap<GeneratedTenant, boolean>();

/**
 * Skips the input (fc.pre) when the unmutated tenant itself fails to load or
 * synthesize, or has violations: the valid-file properties own those bugs,
 * and a mutation is only to blame for what it adds.
 */
function skipUnlessBaseIsClean(tenant: GeneratedTenant): void {
  if (!cleanBase.has(tenant)) {
    let clean = false;
    try {
      withProject({ [`${tenant.name}.yaml`]: tenantText(tenant) }, (project) => {
        const group = synthesizeTenant(PLATFORM, loadValid(project).tenants[0]);
        renderGroups([group]);
        clean = violationsOf(group.objects, tenant.name).length === 0;
      });
    } catch {
      clean = false;
    }
    cleanBase.set(tenant, clean);
  }
  fc.pre(cleanBase.get(tenant) === true);
}

/**
 * Loads the mutated file alone. The outcome must be the clear error (with
 * the expected path and message, when the mutation names them), or, when
 * the mutation may leave the file valid, objects as valid as any valid
 * file's.
 *
 * @param blameMutation skip inputs whose unmutated file already fails (see
 * {@link skipUnlessBaseIsClean}); false when the file itself is the case
 */
function checkMutated(mutated: Mutated, blameMutation = true): void {
  const skipUnlessBlameIsOnMutation = () => {
    if (blameMutation) skipUnlessBaseIsClean(mutated.tenant);
  };
  const file = `${mutated.tenant.name}.yaml`;
  withProject({ [file]: mutated.content }, (project) => {
    let outcome: LoadOutcome;
    try {
      outcome = load(project);
    } catch (error) {
      skipUnlessBlameIsOnMutation();
      throw error;
    }
    if (outcome.error) {
      expectClearError(outcome.error, new Map([[displayName(project, file), mutated.content]]));
      if (mutated.expectPath !== undefined) expect(outcome.error.problems.map((problem) => problem.path)).toContain(mutated.expectPath);
      if (mutated.expectMessage !== undefined) expect(outcome.error.problems.map((problem) => problem.message)).toContainEqual(expect.stringMatching(mutated.expectMessage));
      return;
    }
    if (mutated.mustFail) throw new Error(`the file loaded, but "${mutated.mutation}" must make it invalid`);
    // Still valid: it must synthesize to objects as valid as the unmutated file's.
    let violations: string[];
    try {
      expect(outcome.config.tenants.map((tenant) => tenant.name)).toEqual([mutated.tenant.name]);
      const group = synthesizeTenant(PLATFORM, outcome.config.tenants[0]);
      renderGroups([group]);
      violations = violationsOf(group.objects, mutated.tenant.name);
    } catch (error) {
      skipUnlessBlameIsOnMutation();
      throw error;
    }
    if (violations.length > 0) skipUnlessBlameIsOnMutation();
    expect(violations).toEqual([]);
    if (mutated.expectKept) expect(kept(outcome.config.tenants[0], mutated.expectKept)).toBe(true);
  });
}

/** Whether an environment variable or label of the file is in the loaded tenant. */
function kept(tenant: TenantConfig, expected: NonNullable<Mutated['expectKept']>): boolean {
  if ('label' in expected) return Object.prototype.hasOwnProperty.call(tenant.labels, expected.label) && tenant.labels[expected.label] === expected.value;
  const workload = [...tenant.trainingJobs, ...tenant.modelServices].find((candidate) => candidate.name === expected.workload);
  return workload !== undefined && Object.prototype.hasOwnProperty.call(workload.env, expected.env) && workload.env[expected.env] === expected.value;
}

/** A property over one mutation of a valid tenant. */
function mutationProperty(mutation: (tenant: GeneratedTenant) => fc.Arbitrary<Mutated>) {
  return fc.property(validTenant().chain(mutation).map(printable), (mutated) => checkMutated(mutated));
}

describe('mutated tenant files (property)', () => {
  test('files at the edges of the schema (the platform’s own words as names, the rendezvous port, /tmp as mount path, alert durations in any order) load cleanly or give the clear error', () => {
    const edgeFile = validTenant({ edges: true }).map((tenant) =>
      printable({ tenant, mutation: 'none: a file at the edges of the schema', content: tenantText(tenant), mustFail: false }),
    );
    fc.assert(
      fc.property(edgeFile, (file) => checkMutated(file, false)),
      runs(60),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('wrong types at random paths (string, number, list, mapping, null, boolean)', () => {
    fc.assert(mutationProperty(wrongType), runs(80));
  }, PROPERTY_TIMEOUT_MS);

  test('out-of-range numbers: negative, huge, fractional, NaN and infinities, as data and as raw YAML', () => {
    fc.assert(mutationProperty(outOfRange), runs(80));
  }, PROPERTY_TIMEOUT_MS);

  test('deleted required fields are named', () => {
    fc.assert(mutationProperty(deleteRequired), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('deleted fields and list items', () => {
    fc.assert(mutationProperty(deleteAny), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('unknown fields at random paths are named', () => {
    fc.assert(mutationProperty(unknownField), runs(80));
  }, PROPERTY_TIMEOUT_MS);

  test('unicode, control characters and 10k-character strings in random string fields', () => {
    fc.assert(mutationProperty(nastyString), runs(60));
  }, PROPERTY_TIMEOUT_MS);

  test('names of Object.prototype (__proto__, constructor...) as GPU types, environment variables and labels: refused or kept, never resolved or dropped', () => {
    fc.assert(mutationProperty(prototypeName), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('an alias means exactly what writing its anchored value out means', () => {
    fc.assert(
      fc.property(aliasEquivalence, ({ tenant, aliased, expanded }) => {
        const file = `${tenant.name}.yaml`;
        withProject({ [file]: expanded }, (project) => {
          // The outcome of a file: its configuration and files, or its problems (without lines, which differ), or the exception.
          const outcome = () => {
            try {
              const loaded = load(project);
              if (loaded.error) return { problems: loaded.error.problems.map(({ file: name, path: field, message }) => ({ name, field, message })) };
              return { config: loaded.config, files: [...renderGroups(synthesizeAll(loaded.config)).entries()] };
            } catch (error) {
              return { exception: String(error) };
            }
          };
          const whenExpanded = outcome();
          fs.writeFileSync(path.join(project.tenantsDir, file), aliased);
          expect(outcome()).toEqual(whenExpanded);
        });
      }),
      runs(20),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('merge keys (<<) are never merged: the key is refused', () => {
    fc.assert(mutationProperty(mergeKey), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('aliases to no anchor, self-referential anchors and alias bombs are refused', () => {
    fc.assert(mutationProperty(aliasTrouble), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('duplicate keys are refused', () => {
    fc.assert(mutationProperty(duplicateKey), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('custom tags (!!js/function, !include, !!python/object...) are refused, never run', () => {
    fc.assert(mutationProperty(customTag), runs(60));
  }, PROPERTY_TIMEOUT_MS);

  test('several documents in one file are refused', () => {
    fc.assert(mutationProperty(multipleDocuments), runs(25));
  }, PROPERTY_TIMEOUT_MS);

  test('deeply nested documents (1,000 and 10,000 levels) are refused without a stack overflow escaping', () => {
    fc.assert(mutationProperty(deepNesting), runs(8));
  }, PROPERTY_TIMEOUT_MS);

  test('binary garbage is refused', () => {
    fc.assert(mutationProperty(garbage), runs(60));
  }, PROPERTY_TIMEOUT_MS);

  test('binary garbage spliced into a valid file', () => {
    fc.assert(mutationProperty(splicedGarbage), runs(40));
  }, PROPERTY_TIMEOUT_MS);

  test('one broken file: the error names only that file, and the other tenants’ output is unchanged', () => {
    const scenario = validTenantSet(3).chain((tenants) =>
      fc.nat(tenants.length - 1).chain((index) => breakingMutation(tenants[index]).map((mutated) => ({ tenants, index, mutated }))),
    );
    fc.assert(
      fc.property(scenario, ({ tenants, index, mutated }) => {
        const files = Object.fromEntries(tenants.map((tenant: GeneratedTenant) => [`${tenant.name}.yaml`, tenantText(tenant)]));
        const broken = `${tenants[index].name}.yaml`;
        withProject(files, (project) => {
          const before = renderOrSkip(project);
          fs.writeFileSync(path.join(project.tenantsDir, broken), mutated.content);
          const outcome = load(project);
          if (!outcome.error) throw new Error(`the files loaded, but "${mutated.mutation}" must make ${broken} invalid`);
          expectClearError(outcome.error, new Map([[displayName(project, broken), mutated.content]]));

          fs.rmSync(path.join(project.tenantsDir, broken));
          const after = render(loadValid(project));
          for (const tenant of tenants.filter((_, position) => position !== index)) {
            expect(filesUnder(after, tenant.name)).toEqual(filesUnder(before, tenant.name));
            expect(filesUnder(after, tenant.name).length).toBeGreaterThan(0);
          }
          expect(filesUnder(after, '_platform')).toEqual(filesUnder(before, '_platform'));
          expect(filesUnder(after, tenants[index].name)).toEqual([]);
        });
      }),
      runs(15),
    );
  }, PROPERTY_TIMEOUT_MS);
});
