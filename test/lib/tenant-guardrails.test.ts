import { Testing } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TenantGuardrails } from '../../lib/tenant-guardrails';
import { synthesize } from '../../stacks/pipeline';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';
import { kubeSchemaProblems } from '../support/kube-schema';

// Only KEDA's label (with the object's name) and finalizer may be added to a ScaledObject; nothing else changes.
const kedaBookkeeping =
  'request.operation == "UPDATE" && request.resource.group == "keda.sh" && ' +
  'has(object.spec) == has(oldObject.spec) && (!has(object.spec) || object.spec == oldObject.spec) && ' +
  'has(object.metadata.annotations) == has(oldObject.metadata.annotations) && (!has(object.metadata.annotations) || object.metadata.annotations == oldObject.metadata.annotations) && ' +
  'has(object.metadata.labels) && ' +
  'oldObject.metadata.labels.all(k, k in object.metadata.labels && object.metadata.labels[k] == oldObject.metadata.labels[k]) && ' +
  'object.metadata.labels.all(k, k in oldObject.metadata.labels || (k == "scaledobject.keda.sh/name" && object.metadata.labels[k] == object.metadata.name)) && ' +
  '(!has(object.metadata.finalizers) || object.metadata.finalizers.all(f, f == "finalizer.keda.sh" || (has(oldObject.metadata.finalizers) && f in oldObject.metadata.finalizers)))';

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
    expect(policies).toEqual(['mlp-platform-owned-objects', 'mlp-platform-managed-objects', 'mlp-tenant-role-bindings', 'mlp-tenant-priority', 'mlp-tenant-job-priority']);
    expect(bindings.map((binding) => binding.spec)).toEqual(policies.map((name) => ({ policyName: name, validationActions: ['Deny'] })));
  });

  test('applies only in tenant namespaces and fails closed', () => {
    const policies = synth().filter((o) => o.kind === 'ValidatingAdmissionPolicy');
    expect(policies).toHaveLength(5);
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

  test('reserves updates and deletions of the objects the platform manages, of every kind it writes into tenant namespaces', () => {
    const spec = policy(synth(), 'mlp-platform-managed-objects').spec;
    const operations = ['CREATE', 'UPDATE', 'DELETE'];
    expect(spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['*'], operations, resources: ['configmaps', 'persistentvolumeclaims', 'serviceaccounts', 'services'] },
      { apiGroups: ['apps'], apiVersions: ['*'], operations, resources: ['deployments'] },
      { apiGroups: ['autoscaling'], apiVersions: ['*'], operations, resources: ['horizontalpodautoscalers'] },
      { apiGroups: ['batch'], apiVersions: ['*'], operations, resources: ['cronjobs', 'jobs'] },
      { apiGroups: ['monitoring.coreos.com'], apiVersions: ['*'], operations, resources: ['podmonitors', 'prometheusrules', 'servicemonitors'] },
      { apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], operations, resources: ['httproutes'] },
      { apiGroups: ['keda.sh'], apiVersions: ['*'], operations, resources: ['scaledobjects'] },
      { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations, resources: ['localqueues'] },
      { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations, resources: ['ingresses'] },
      { apiGroups: ['policy'], apiVersions: ['*'], operations, resources: ['poddisruptionbudgets'] },
    ]);
    // Subresources (status, scale) stay unmatched: controllers write status, the autoscaler the replica count.
    const resources = spec.matchConstraints.resourceRules.flatMap((rule: { resources: string[] }) => rule.resources);
    expect(resources.filter((resource: string) => resource.includes('/') || resource.includes('*'))).toEqual([]);
    expect(spec.matchConditions.map((condition: { name: string }) => condition.name)).toEqual(['not-the-platform', 'not-made-by-a-controller']);
    expect(spec.matchConditions[1].expression).toBe(
      '!has((request.operation == "CREATE" ? object : oldObject).metadata.ownerReferences) || ' +
        'size((request.operation == "CREATE" ? object : oldObject).metadata.ownerReferences) == 0',
    );
    const managed = (object: string) =>
      `has(${object}.metadata.labels) && "app.kubernetes.io/managed-by" in ${object}.metadata.labels && ${object}.metadata.labels["app.kubernetes.io/managed-by"] == "mlp"`;
    expect(spec.validations.map((validation: { expression: string }) => validation.expression)).toEqual([
      `request.operation == "CREATE" || !(${managed('oldObject')}) || (${kedaBookkeeping})`,
      `request.operation == "DELETE" || (request.operation == "UPDATE" && ${managed('oldObject')}) || !(${managed('object')})`,
    ]);
    expect(spec.validations[0].messageExpression).toBe(
      'request.kind.kind + " " + request.name + " is managed by the platform (app.kubernetes.io/managed-by=mlp): ' +
        'change tenants/" + request.namespace + ".yaml and let the platform deploy it"',
    );
  });

  test('covers every kind that synthesis writes into a tenant namespace, in every exposure mode and autoscaling engine', () => {
    const fixture = fs.readFileSync(FIXTURE_PLATFORM_FILE, 'utf8');
    const gateway = '    mode: gateway\n    gateway:\n      name: ml-gateway\n      namespace: gateway-system\n';
    expect(fixture).toContain(gateway);
    expect(fixture).toContain('  exposure:\n');
    // Gateway API and KEDA ScaledObjects; an Ingress (cert-manager's issuer) and HPAs.
    const platforms = [
      fixture.replace('  exposure:\n', '  autoscaling:\n    requests:\n      defaultTarget: 4\n  exposure:\n'),
      fixture.replace(gateway, '    mode: ingress\n    ingress:\n      tls:\n        clusterIssuer: letsencrypt\n'),
    ];
    const objects = platforms.flatMap((text) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-guardrails-'));
      try {
        const platformFile = path.join(dir, 'platform.yaml');
        fs.writeFileSync(platformFile, text);
        return synthesize({ platformFile, tenantsDir: FIXTURE_TENANTS_DIR }).groups.flatMap((group) => group.objects);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    const guarded = synth().filter((object) => object.kind === 'ValidatingAdmissionPolicy').flatMap((object) =>
      object.spec.matchConstraints.resourceRules.flatMap((rule: { apiGroups: string[]; resources: string[] }) =>
        rule.apiGroups.flatMap((group) => rule.resources.map((resource) => `${group}/${resource}`)),
      ),
    );
    // Kubernetes' own guess of a kind's resource name (meta.UnsafeGuessKindToResource).
    const resource = (kind: string) => {
      const lower = kind.toLowerCase();
      return lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : lower.endsWith('s') ? `${lower}es` : `${lower}s`;
    };
    const inTenantNamespaces = objects.filter((object) => object.metadata.namespace !== undefined && object.metadata.namespace !== 'monitoring');
    expect(inTenantNamespaces.length).toBeGreaterThan(100);
    const written = new Set(inTenantNamespaces.map((object) => `${object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : ''}/${resource(object.kind)}`));
    // The variants above did write the kinds that only some platform files make.
    expect(['keda.sh/scaledobjects', 'autoscaling/horizontalpodautoscalers', 'gateway.networking.k8s.io/httproutes', 'networking.k8s.io/ingresses'].filter((key) => !written.has(key))).toEqual([]);
    expect([...written].filter((key) => !guarded.includes(key))).toEqual([]);
  });

  test('limits the Kueue priority of tenant Jobs and CronJobs to their tier and below', () => {
    const spec = policy(synth(), 'mlp-tenant-job-priority').spec;
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['batch'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'] },
    ]);
    expect(spec.matchConditions.map((condition: { name: string }) => condition.name)).toEqual(['not-the-platform']);
    const label = (metadata: string) =>
      `has(${metadata}.labels) && "kueue.x-k8s.io/priority-class" in ${metadata}.labels ? ${metadata}.labels["kueue.x-k8s.io/priority-class"] : ""`;
    const priorityOf = (object: string) =>
      `request.kind.kind == "CronJob" ? (has(${object}.spec.jobTemplate.metadata) ? (${label(`${object}.spec.jobTemplate.metadata`)}) : "") : (${label(`${object}.metadata`)})`;
    expect(spec.variables).toEqual([
      { name: 'priority', expression: priorityOf('object') },
      { name: 'oldPriority', expression: `request.operation == "UPDATE" ? (${priorityOf('oldObject')}) : ""` },
    ]);
    const tier = 'namespaceObject.metadata.labels["mlp.io/tier"]';
    const allowed = '{"critical": ["mlp-critical", "mlp-standard", "mlp-batch"], "standard": ["mlp-standard", "mlp-batch"], "batch": ["mlp-batch"]}';
    expect(spec.validations).toEqual([
      {
        expression:
          'variables.priority == "" || (request.operation == "UPDATE" && variables.priority == variables.oldPriority) || ' +
          `(has(namespaceObject.metadata.labels) && "mlp.io/tier" in namespaceObject.metadata.labels && ${tier} in ${allowed} && variables.priority in ${allowed}[${tier}])`,
        messageExpression:
          `"kueue.x-k8s.io/priority-class " + variables.priority + " is above the tier of this tenant (" + ` +
          `(has(namespaceObject.metadata.labels) && "mlp.io/tier" in namespaceObject.metadata.labels ? ${tier} : "none") + "): use mlp-<tier> of the tenant's tier or a lower one"`,
        reason: 'Forbidden',
      },
    ]);
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
