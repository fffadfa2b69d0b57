import * as fs from 'fs';
import * as path from 'path';
import { ObjectGroup } from '../../policy/kube-object';
import * as synth from '../../stacks/synth';
import { runMlp } from '../support/cli';
import { minimalTenant, scratchProject } from '../support/fixtures';

const realSynthesizeTenant = synth.synthesizeTenant;

/**
 * Makes synthesis add a LoadBalancer Service to tenant alpha, as a construct with a bug would:
 * in synthesizeTenant, which the checked pipeline (stacks/pipeline.ts) calls for validate and synth alike.
 */
function injectLoadBalancer(): void {
  const withLoadBalancer = (group: ObjectGroup): ObjectGroup =>
    group.dir !== 'alpha'
      ? group
      : {
          ...group,
          objects: [
            ...group.objects,
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 'public', namespace: 'alpha' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
          ],
        };
  jest.spyOn(synth, 'synthesizeTenant').mockImplementation((platform, tenant) => withLoadBalancer(realSynthesizeTenant(platform, tenant)));
}

const MLP007_PROBLEM =
  'tenants/alpha.yaml: alpha/Service/public: MLP007 (no LoadBalancer or NodePort Services in tenant namespaces): the Service is of type LoadBalancer; ' +
  'fix: use a ClusterIP Service and expose it with expose: {type: ingress}';

describe('mlp validate and synth: policies', () => {
  let project: ReturnType<typeof scratchProject>;
  beforeEach(() => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': minimalTenant('beta') });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(project.dir, { recursive: true, force: true });
  });

  test('validate fails with exit status 1 on a policy violation, naming file, tenant, object, policy and fix', () => {
    injectLoadBalancer();
    expect(runMlp(project.dir, 'validate')).toEqual({ status: 1, stdout: '', stderr: `mlp: 1 problem found\n${MLP007_PROBLEM}\n` });
  });

  test('synth fails on a policy violation and writes nothing', () => {
    injectLoadBalancer();
    const result = runMlp(project.dir, 'synth');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(MLP007_PROBLEM);
    expect(fs.existsSync(path.join(project.dir, 'dist'))).toBe(false);
  });

  test('a waiver in the tenant file accepts the violation, and validate lists it with its reason', () => {
    injectLoadBalancer();
    fs.writeFileSync(
      path.join(project.tenantsDir, 'alpha.yaml'),
      `${minimalTenant('alpha')}  policyWaivers:\n    - policy: MLP007\n      reason: the load balancer is internal-only, approved in SEC-123\n`,
    );
    const result = runMlp(project.dir, 'validate');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`mlp: waived: ${MLP007_PROBLEM} (waiver: "the load balancer is internal-only, approved in SEC-123")`);
  });

  test('validate notes a waiver that waives nothing', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), `${minimalTenant('beta')}  policyWaivers:\n    - policy: MLP003\n      reason: a vendor image only published as latest\n`);
    const result = runMlp(project.dir, 'validate');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'mlp: note: tenants/beta.yaml: spec.policyWaivers[0]: MLP003 is waived but no object of tenant beta violates it; remove the waiver\n',
    );
  });

  test('fails when a waiver names an unknown policy or gives no real reason', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  policyWaivers:\n    - policy: MLP999\n      reason: because\n`);
    const result = runMlp(project.dir, 'validate');
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').slice(1, -1)).toEqual([
      'tenants/alpha.yaml:10: spec.policyWaivers[0].policy: expected a policy id (MLP001, MLP002, MLP003, MLP004, MLP005, MLP006, MLP007, MLP008), got "MLP999"',
      'tenants/alpha.yaml:11: spec.policyWaivers[0].reason: write a reason of at least 10 characters that a reviewer can judge',
    ]);
  });

  test('fails when a policy is waived twice', () => {
    fs.writeFileSync(
      path.join(project.tenantsDir, 'alpha.yaml'),
      `${minimalTenant('alpha')}  policyWaivers:\n    - policy: MLP003\n      reason: a vendor image only published as latest\n    - policy: MLP003\n      reason: the same policy again, waived twice\n`,
    );
    const result = runMlp(project.dir, 'validate');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'mlp: 1 problem found\ntenants/alpha.yaml:12: spec.policyWaivers[1].policy: MLP003 is already waived by policyWaivers[0]; waive a policy once\n',
    );
  });
});
