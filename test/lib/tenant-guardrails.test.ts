import { Testing } from 'cdk8s';
import { TenantGuardrails } from '../../lib/tenant-guardrails';
import { kubeSchemaProblems } from '../support/kube-schema';

function synth(deployerGroups?: string[]) {
  const chart = Testing.chart();
  new TenantGuardrails(chart, 'guardrails', { deployerGroups });
  return Testing.synth(chart);
}

const policy = (objects: any[], name: string) =>
  objects.find((object) => object.kind === 'ValidatingAdmissionPolicy' && object.metadata.name === name);

describe('TenantGuardrails', () => {
  test('synthesizes the admission policies and their bindings', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('binds every policy to deny', () => {
    const objects = synth();
    const policies = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicy').map((object) => object.metadata.name);
    const bindings = objects.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding');
    expect(policies).toEqual(['mlp-platform-owned-objects', 'mlp-tenant-role-bindings', 'mlp-tenant-priority']);
    expect(bindings.map((binding) => binding.spec)).toEqual(policies.map((name) => ({ policyName: name, validationActions: ['Deny'] })));
  });

  test('applies only in tenant namespaces and fails closed', () => {
    const policies = synth().filter((o) => o.kind === 'ValidatingAdmissionPolicy');
    expect(policies).toHaveLength(3);
    for (const object of policies) {
      expect(object.spec.failurePolicy).toBe('Fail');
      expect(object.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: 'mlp.io/tenant', operator: 'Exists' }] });
    }
  });

  test('reserves quotas, limit ranges and network policies of tenant namespaces for the platform', () => {
    const spec = policy(synth(), 'mlp-platform-owned-objects').spec;
    expect(spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['resourcequotas', 'limitranges'] },
      { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['networkpolicies'] },
    ]);
    expect(spec.validations.map((validation: { expression: string }) => validation.expression)).toEqual(['false']);
  });

  test('exempts the deployer groups, system:masters and the controllers of kube-system', () => {
    const [condition] = policy(synth(['platform-ci']), 'mlp-platform-owned-objects').spec.matchConditions;
    expect(condition.expression).toBe(
      '!request.userInfo.groups.exists(g, g in ["system:masters", "platform-ci"]) && ' +
        '!request.userInfo.username.startsWith("system:serviceaccount:kube-system:") && ' +
        'request.userInfo.username != "system:kube-controller-manager"',
    );
  });

  test('limits tenant role bindings to admin, edit, view and their own Roles', () => {
    const expressions = policy(synth(), 'mlp-tenant-role-bindings').spec.validations.map((validation: { expression: string }) => validation.expression);
    expect(expressions).toContain('request.operation == "DELETE" || object.roleRef.kind == "Role" || object.roleRef.name in ["admin", "edit", "view"]');
  });

  test('keeps pods at their tenant tier', () => {
    const spec = policy(synth(), 'mlp-tenant-priority').spec;
    expect(spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }]);
    expect(spec.validations[0].expression).toContain('object.spec.priorityClassName == "mlp-" + namespaceObject.metadata.labels["mlp.io/tier"]');
  });

  test('produces objects the Kubernetes schema accepts', () => {
    expect(synth().flatMap((object) => kubeSchemaProblems(object))).toEqual([]);
  });

  test('fails when a deployer group is a system group', () => {
    expect(() => synth(['system:authenticated'])).toThrow(
      'TenantGuardrails: deployerGroups: "system:authenticated" is not a deployer group; use a group of your own such as mlp:deployers',
    );
  });
});
