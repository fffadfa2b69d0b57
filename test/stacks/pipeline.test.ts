import * as fs from 'fs';
import * as path from 'path';
import { displayPath, loadConfig } from '../../config/load';
import { ValidationError } from '../../config/problems';
import { PolicyViolationError } from '../../policy/evaluate';
import { policyNotes, synthesize, synthesizeConfig, synthesizeTenantFile } from '../../stacks/pipeline';
import { SOURCE_FOLDERS } from '../architecture/import-rules';
import { REPO_ROOT, distributedJobTenant, fixturePlatform, minimalTenant, scratchProject } from '../support/fixtures';

const ddpTenant = distributedJobTenant;

const LATEST = 'registry.ml.example.com/mirror/busybox:latest';
const violation = (file: string) =>
  `${file}: ddp/Job/train: MLP003 (images pinned by tag or digest, never latest): init container "wait-for-master" uses image "${LATEST}", ` +
  'whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...)';

/** A scratch project whose platform's utility image is tagged latest, which the loader accepts and MLP003 refuses. */
function projectWithLatestUtilityImage(tenants: Record<string, string>) {
  const project = scratchProject(tenants);
  const platform = fs.readFileSync(project.platformFile, 'utf8');
  expect(platform).toMatch(/^ {2}utilityImage: .*$/m);
  fs.writeFileSync(project.platformFile, platform.replace(/^ {2}utilityImage: .*$/m, `  utilityImage: ${LATEST}`));
  return project;
}

describe('synthesize: load, resolve, synthesize, policies', () => {
  test('fails when an object violates a policy, with the violation as a problem', () => {
    const project = projectWithLatestUtilityImage({ 'ddp.yaml': ddpTenant(), 'other.yaml': minimalTenant('other') });
    const file = displayPath(path.join(project.tenantsDir, 'ddp.yaml'));
    const run = () => synthesize({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    expect(run).toThrow(PolicyViolationError);
    expect(run).toThrow(new ValidationError([{ file, path: 'ddp/Job/train', message: violation(file).slice(`${file}: ddp/Job/train: `.length) }]));
    expect(run).toThrow(`1 problem found:\n  ${violation(file)}`);
  });

  test('returns the objects per folder, the waived violations and the unused waivers', () => {
    const waiver = '  policyWaivers:\n    - policy: MLP003\n      reason: the mirror publishes busybox only as latest\n';
    const unused = '  policyWaivers:\n    - policy: MLP007\n      reason: an internal load balancer, approved in SEC-1\n';
    const project = projectWithLatestUtilityImage({ 'ddp.yaml': ddpTenant(waiver), 'other.yaml': `${minimalTenant('other')}${unused}` });
    const result = synthesize({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    const ddp = displayPath(path.join(project.tenantsDir, 'ddp.yaml'));
    const other = displayPath(path.join(project.tenantsDir, 'other.yaml'));
    expect(result.groups.map((group) => [group.dir, group.source])).toEqual([
      ['_platform', displayPath(project.platformFile)],
      ['ddp', ddp],
      ['other', other],
    ]);
    expect(result.config.tenants.map((tenant) => tenant.name)).toEqual(['ddp', 'other']);
    expect(policyNotes(result)).toEqual([
      `mlp: waived: ${violation(ddp)} (waiver: "the mirror publishes busybox only as latest")`,
      `mlp: note: ${other}: spec.policyWaivers[0]: MLP007 is waived but no object of tenant other violates it; remove the waiver`,
    ]);
  });

  test('fails the same for one tenant file, the unit of the synth worker pool, and for a loaded configuration', () => {
    const project = projectWithLatestUtilityImage({ 'ddp.yaml': ddpTenant() });
    const file = path.join(project.tenantsDir, 'ddp.yaml');
    const platform = { ...fixturePlatform() };
    const latest = { ...platform, spec: { ...platform.spec, utilityImage: LATEST } };
    expect(() => synthesizeTenantFile(latest, 'platform.yaml', file, { path: 'tenants/ddp.yaml', text: ddpTenant() })).toThrow(
      `1 problem found:\n  ${violation('tenants/ddp.yaml')}`,
    );
    const config = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    expect(() => synthesizeConfig(config)).toThrow(`1 problem found:\n  ${violation(displayPath(file))}`);
  });

  test('synthesizes and checks only the selected groups, after loading and checking every tenant file', () => {
    const project = projectWithLatestUtilityImage({ 'ddp.yaml': ddpTenant(), 'other.yaml': minimalTenant('other'), 'third.yaml': minimalTenant('third') });
    const options = { platformFile: project.platformFile, tenantsDir: project.tenantsDir };
    const synth = jest.requireActual<typeof import('../../stacks/synth')>('../../stacks/synth');
    const synthesizeTenant = jest.spyOn(synth, 'synthesizeTenant');
    try {
      // ddp violates MLP003, but it is not selected: neither synthesized nor checked.
      const result = synthesize(options, { platform: true, tenants: ['other', 'gone'] });
      expect(result.groups.map((group) => group.dir)).toEqual(['_platform', 'other']);
      expect(result.config.tenants.map((tenant) => tenant.name)).toEqual(['ddp', 'other', 'third']);
      expect(synthesizeTenant.mock.calls.map(([, tenant]) => tenant.name)).toEqual(['other']);
      expect(synthesize(options, { platform: false, tenants: ['third'] }).groups.map((group) => group.dir)).toEqual(['third']);
      expect(synthesize(options, { platform: true, tenants: [] }).groups.map((group) => group.dir)).toEqual(['_platform']);
      expect(() => synthesize(options, { platform: false, tenants: ['ddp'] })).toThrow(PolicyViolationError);
    } finally {
      synthesizeTenant.mockRestore();
    }
    fs.writeFileSync(path.join(project.tenantsDir, 'broken.yaml'), minimalTenant('other'));
    expect(() => synthesize(options, { platform: true, tenants: [] })).toThrow(ValidationError);
  });

  test('fails with the problems of an invalid tenant file, before synthesis', () => {
    expect(() => synthesizeTenantFile(fixturePlatform(), 'platform.yaml', 'tenants/bad.yaml', { path: 'tenants/bad.yaml', text: minimalTenant('good') })).toThrow(
      '1 problem found:\n  tenants/bad.yaml:4: metadata.name: "good" differs from the file name "bad.yaml"; rename the file to good.yaml or change metadata.name',
    );
  });
});

describe('one pipeline', () => {
  test('no source file synthesizes objects except through stacks/pipeline.ts', () => {
    const calls: string[] = [];
    const walk = (relative: string) => {
      for (const entry of fs.readdirSync(path.join(REPO_ROOT, relative), { withFileTypes: true })) {
        const child = `${relative}/${entry.name}`;
        if (entry.isDirectory()) walk(child);
        else if (entry.name.endsWith('.ts') && child !== 'stacks/synth.ts' && child !== 'stacks/pipeline.ts') {
          fs.readFileSync(path.join(REPO_ROOT, child), 'utf8')
            .split('\n')
            .forEach((line, index) => {
              if (/\bsynthesize(All|Tenant|Platform)\b/.test(line)) calls.push(`${child}:${index + 1}: ${line.trim()}`);
            });
        }
      }
    };
    expect(SOURCE_FOLDERS.length).toBeGreaterThan(5);
    for (const folder of SOURCE_FOLDERS) walk(folder);
    expect(calls).toEqual([]);
  });
});
