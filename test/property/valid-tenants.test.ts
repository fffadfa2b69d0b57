/**
 * Properties of valid tenant files: they load, synthesize to objects that the
 * Kubernetes and prometheus-operator schemas accept, stay in their namespace,
 * run restricted, and render deterministically and independently of other
 * tenants. Inputs come from test/property/tenant-arbitraries.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { PlatformConfig } from '../../config/load';
import { synthesizeAll, synthesizePlatform, synthesizeTenant } from '../../stacks/synth';
import { ObjectGroup } from '../../policy/kube-object';
import { renderGroups } from '../../synthesis/render';
import { kubeSchemaProblems } from '../support/kube-schema';
import { promqlSyntaxErrors } from '../support/promql';
import { PROPERTY_TIMEOUT_MS, filesUnder, loadValid, render, renderOrSkip, runs, withProject } from './harness';
import { localDiskViolations, podConsistencyViolations, podSpecs, restrictedViolations, scopeViolations } from './kube-invariants';
import { GeneratedTenant, PLATFORM, tenantText, validTenant, validTenantSet } from './tenant-arbitraries';

/** The files of generated tenants, `<name>.yaml` each. */
function filesOf(tenants: readonly GeneratedTenant[]): Record<string, string> {
  return Object.fromEntries(tenants.map((tenant) => [`${tenant.name}.yaml`, tenantText(tenant)]));
}

/** Loads generated tenants (which must load) and synthesizes them all. */
function synthesize(tenants: readonly GeneratedTenant[]): { config: PlatformConfig; groups: ObjectGroup[] } {
  return withProject(filesOf(tenants), (project) => {
    const config = loadValid(project);
    return { config, groups: synthesizeAll(config) };
  });
}

/**
 * The objects of one generated tenant (without the platform's, which do not
 * depend on tenants). Skips the input (fc.pre) when it does not load or
 * synthesize: property (a) owns that failure, and the other properties stay
 * able to catch their own bugs while (a) fails.
 */
function tenantObjects(tenant: GeneratedTenant): ObjectGroup['objects'] {
  let group: ObjectGroup | undefined;
  try {
    group = withProject(filesOf([tenant]), (project) => synthesizeTenant(PLATFORM, loadValid(project).tenants[0]));
    renderGroups([group]);
  } catch {
    group = undefined;
  }
  fc.pre(group !== undefined);
  return group!.objects;
}

type Entry = Record<string, unknown>;
const jobsOf = (tenant: GeneratedTenant) => ((tenant.doc.spec as Entry).trainingJobs as Entry[] | undefined) ?? [];
const servicesOf = (tenant: GeneratedTenant) => ((tenant.doc.spec as Entry).modelServices as Entry[] | undefined) ?? [];

/** The main container of a workload's pod template. */
function mainContainer(objects: ObjectGroup['objects'], kinds: readonly string[], name: string): Record<string, unknown> {
  const object = objects.find((candidate) => kinds.includes(candidate.kind) && candidate.metadata.name === name);
  if (!object) throw new Error(`no ${kinds.join(' or ')} named ${name}`);
  const [pod] = podSpecs(object);
  return pod.spec.containers[0];
}

describe('valid tenant files (property)', () => {
  test('(a) every valid tenant file loads and synthesizes, with its workloads as written', () => {
    fc.assert(
      fc.property(validTenant(), (tenant) => {
        const { config, groups } = synthesize([tenant]);
        expect(config.tenants.map((loaded) => loaded.name)).toEqual([tenant.name]);
        const [loaded] = config.tenants;
        expect(loaded.trainingJobs.map((job) => job.name)).toEqual(jobsOf(tenant).map((job) => job.name));
        expect(loaded.modelServices.map((service) => service.name)).toEqual(servicesOf(tenant).map((service) => service.name));
        expect(filesUnder(renderGroups(groups), tenant.name).length).toBeGreaterThan(0);

        const objects = groups.find((group) => group.dir === tenant.name)!.objects;
        const workloads = [
          ...jobsOf(tenant).map((entry) => ({ entry, container: mainContainer(objects, entry.schedule === undefined ? ['Job'] : ['CronJob'], String(entry.name)) })),
          ...servicesOf(tenant).map((entry) => ({ entry, container: mainContainer(objects, ['Deployment'], String(entry.name)) })),
        ];
        for (const { entry, container } of workloads) {
          expect(container.image).toBe(entry.image);
          if (entry.command !== undefined) expect(container.command ?? []).toEqual(entry.command);
          if (entry.args !== undefined) expect(container.args ?? []).toEqual(entry.args);
          const env = (container.env as Array<{ name: string; value?: string }> | undefined) ?? [];
          for (const [name, value] of Object.entries((entry.env as Entry | undefined) ?? {})) {
            expect(env.filter((variable) => variable.name === name)).toEqual([{ name, value: String(value) }]);
          }
        }
      }),
      runs(40),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(b) every synthesized object passes the Kubernetes and prometheus-operator schemas, and every alert is PromQL', () => {
    // The platform's objects do not depend on tenants: once.
    expect(synthesizePlatform(PLATFORM, 'platform.yaml').objects.flatMap((object) => kubeSchemaProblems(object))).toEqual([]);
    fc.assert(
      fc.property(validTenant(), (tenant) => {
        const objects = tenantObjects(tenant);
        expect(objects.flatMap((object) => kubeSchemaProblems(object))).toEqual([]);
        const rules = objects.filter((object) => object.kind === 'PrometheusRule');
        expect(rules.length).toBeGreaterThan(0);
        const expressions = rules.flatMap((rule) => (rule.spec as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((group) => group.rules));
        expect(expressions.filter((rule) => promqlSyntaxErrors(rule.expr).length > 0)).toEqual([]);
      }),
      runs(40),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(c) every object of a tenant chart is in the tenant namespace (the dashboard in the monitoring namespace), none cluster-scoped', () => {
    fc.assert(
      fc.property(validTenant(), (tenant) => {
        expect(scopeViolations(tenantObjects(tenant), tenant.name, PLATFORM.spec.monitoring.namespace)).toEqual([]);
      }),
      runs(25),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(d) every pod template runs restricted, with requests equal to limits and its local disk bounded', () => {
    fc.assert(
      fc.property(validTenant(), (tenant) => {
        const objects = tenantObjects(tenant);
        // At least one pod template per job and per service: the check below is not vacuous.
        expect(objects.flatMap((object) => podSpecs(object)).length).toBeGreaterThanOrEqual(jobsOf(tenant).length + servicesOf(tenant).length);
        expect(objects.flatMap((object) => restrictedViolations(object))).toEqual([]);
        expect(objects.flatMap((object) => localDiskViolations(object))).toEqual([]);
      }),
      runs(25),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(d2) every pod spec is one the API server accepts: unique names and mount paths, existing volumes, GPU placement, deadlines, selectors', () => {
    fc.assert(
      fc.property(validTenant(), (tenant) => {
        expect(podConsistencyViolations(tenantObjects(tenant), PLATFORM)).toEqual([]);
      }),
      runs(40),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(e) synthesis is deterministic: the same files twice, whatever was synthesized in between', () => {
    fc.assert(
      fc.property(validTenant(), validTenant(), (tenant, other) => {
        withProject(filesOf([tenant]), (project) => {
          const first = renderOrSkip(project);
          const config = loadValid(project);
          // Synthesize an unrelated tenant in between, to catch state that leaks between syntheses.
          withProject(filesOf([other]), (otherProject) => renderOrSkip(otherProject));
          const second = render(config);
          expect(second.size).toBeGreaterThan(0);
          expect([...second.entries()]).toEqual([...first.entries()]);
        });
      }),
      runs(15),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('(f) adding or changing one tenant never changes another tenant’s files or the platform’s', () => {
    const change = fc.oneof(
      // Add a new tenant.
      validTenantSet(3).chain((tenants) =>
        validTenant()
          .filter((added) => !tenants.some((tenant) => tenant.name === added.name))
          .map((added) => ({ before: tenants, after: [...tenants, added], changed: added.name })),
      ),
      // Replace one tenant by another file of the same name.
      validTenantSet(3).chain((tenants) =>
        fc.nat(tenants.length - 1).chain((index) =>
          validTenant({ name: tenants[index].name }).map((replacement) => ({
            before: tenants,
            after: tenants.map((tenant, position) => (position === index ? replacement : tenant)),
            changed: tenants[index].name,
          })),
        ),
      ),
    );
    fc.assert(
      fc.property(change, ({ before, after, changed }) => {
        // One project, changed in place: output headers name the tenant files, whose paths stay the same.
        withProject(filesOf(before), (project) => {
          const filesBefore = renderOrSkip(project);
          for (const [file, text] of Object.entries(filesOf(after))) fs.writeFileSync(path.join(project.tenantsDir, file), text);
          const filesAfter = renderOrSkip(project);
          const unchanged = (files: Map<string, string>) => [...files.entries()].filter(([file]) => !file.startsWith(`${changed}/`));
          expect(unchanged(filesAfter)).toEqual(unchanged(filesBefore));
          expect(filesUnder(filesAfter, changed).length).toBeGreaterThan(0);
          // The comparison covers every other tenant: each has files on both sides.
          for (const tenant of before.filter((candidate) => candidate.name !== changed)) {
            expect(filesUnder(filesAfter, tenant.name).length).toBeGreaterThan(0);
          }
        });
      }),
      runs(15),
    );
  }, PROPERTY_TIMEOUT_MS);
});
