import { Testing } from 'cdk8s';
import { ApiObject, Chart } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { TenantNamespace, TenantNamespaceProps } from '../../lib/tenant-namespace';

const BASE: TenantNamespaceProps = {
  name: 'vision',
  costCenter: 'cc-4711',
  owners: [{ group: 'vision-leads' }],
  members: [{ user: 'ana@example.com' }],
  viewers: [{ user: 'finance-bot@example.com' }],
  tier: 'critical',
  quota: { cpu: '64', memory: '256Gi', gpu: 8, storage: '2Ti', pods: 100 },
  limits: {
    defaultRequest: { cpu: '250m', memory: '512Mi' },
    default: { cpu: '1', memory: '2Gi' },
    max: { cpu: '32', memory: '256Gi' },
  },
};

function synth(props: Partial<TenantNamespaceProps> = {}, configure?: (tenant: TenantNamespace) => void) {
  const chart: Chart = Testing.chart();
  const tenant = new TenantNamespace(chart, 'tenant', { ...BASE, ...props });
  configure?.(tenant);
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string) {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

describe('TenantNamespace', () => {
  test('synthesizes the isolated namespace of a tenant', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('enforces Pod Security restricted and labels the namespace for cost allocation', () => {
    const namespace = find(synth(), 'Namespace', 'vision');
    expect(namespace.metadata.labels).toEqual({
      'mlp.io/tenant': 'vision',
      'mlp.io/cost-center': 'cc-4711',
      'mlp.io/tier': 'critical',
      'app.kubernetes.io/managed-by': 'mlp',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
    });
  });

  test('puts every object in the tenant namespace with the tenant and cost-center labels', () => {
    const objects = synth({ labels: { team: 'perception' } });
    const namespaced = objects.filter((o) => o.kind !== 'Namespace');
    expect(namespaced.length).toBeGreaterThan(5);
    expect(objects.length).toBe(namespaced.length + 1);
    for (const object of namespaced) {
      expect(object.metadata.namespace).toBe('vision');
    }
    for (const object of objects) {
      expect(object.metadata.labels).toMatchObject({ 'mlp.io/tenant': 'vision', 'mlp.io/cost-center': 'cc-4711', team: 'perception' });
    }
  });

  test('limits requests and limits of CPU, memory, local disk, GPUs, storage and pods, and forbids node ports and load balancers', () => {
    const quota = find(synth(), 'ResourceQuota', 'tenant-quota');
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '64',
      'limits.cpu': '64',
      'requests.memory': '256Gi',
      'limits.memory': '256Gi',
      'requests.ephemeral-storage': '200Gi',
      'limits.ephemeral-storage': '200Gi',
      'requests.nvidia.com/gpu': '8',
      'requests.storage': '2Ti',
      pods: '100',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
    });
  });

  test('limits every GPU resource name the platform offers', () => {
    const quota = find(synth({ gpuResourceNames: ['amd.com/gpu', 'nvidia.com/gpu'] }), 'ResourceQuota', 'tenant-quota');
    expect(quota.spec.hard['requests.amd.com/gpu']).toBe('8');
    expect(quota.spec.hard['requests.nvidia.com/gpu']).toBe('8');
  });

  test('sets container defaults and maxima, local disk included', () => {
    const limitRange = find(synth(), 'LimitRange', 'tenant-limits');
    expect(limitRange.spec.limits).toEqual([
      {
        type: 'Container',
        defaultRequest: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
        default: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '4Gi' },
        max: { cpu: '32', memory: '256Gi', 'ephemeral-storage': '500Gi' },
      },
    ]);
  });

  test('takes the local disk quota and container amounts given', () => {
    const objects = synth({
      quota: { ...BASE.quota, ephemeralStorage: '1Ti' },
      limits: { ...BASE.limits, default: { ...BASE.limits.default, ephemeralStorage: '8Gi' }, max: { ...BASE.limits.max, ephemeralStorage: '2Ti' } },
    });
    const quota = find(objects, 'ResourceQuota', 'tenant-quota');
    expect(quota.spec.hard['requests.ephemeral-storage']).toBe('1Ti');
    expect(quota.spec.hard['limits.ephemeral-storage']).toBe('1Ti');
    const [limits] = find(objects, 'LimitRange', 'tenant-limits').spec.limits;
    expect([limits.defaultRequest['ephemeral-storage'], limits.default['ephemeral-storage'], limits.max['ephemeral-storage']]).toEqual(['1Gi', '8Gi', '2Ti']);
  });

  test('fails when a local disk amount is not a quantity', () => {
    expect(() => synth({ quota: { ...BASE.quota, ephemeralStorage: 'big' } })).toThrow(
      'TenantNamespace vision: quota.ephemeralStorage "big" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)',
    );
    expect(() => synth({ limits: { ...BASE.limits, max: { ...BASE.limits.max, ephemeralStorage: '-1Gi' } } })).toThrow(
      'TenantNamespace vision: limits.max.ephemeralStorage "-1Gi" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)',
    );
  });

  test('binds owners, members and viewers to admin, edit and view in the namespace only', () => {
    const objects = synth();
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding')).toEqual([]);
    const binding = (name: string) => {
      const object = find(objects, 'RoleBinding', name);
      return { role: object.roleRef, subjects: object.subjects };
    };
    const rbac = 'rbac.authorization.k8s.io';
    expect(binding('tenant-owners')).toEqual({
      role: { apiGroup: rbac, kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: rbac, kind: 'Group', name: 'vision-leads' }],
    });
    expect(binding('tenant-members')).toEqual({
      role: { apiGroup: rbac, kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: 'ana@example.com' }],
    });
    expect(binding('tenant-viewers')).toEqual({
      role: { apiGroup: rbac, kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: rbac, kind: 'User', name: 'finance-bot@example.com' }],
    });
  });

  test('emits no binding for an empty group of people', () => {
    const names = synth({ members: [], viewers: undefined }).filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.name);
    expect(names).toEqual(['tenant-owners']);
  });

  test('denies all traffic by default and allows the namespace itself, DNS and monitoring', () => {
    const objects = synth();
    const policy = (name: string) => find(objects, 'NetworkPolicy', name).spec;
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual([
      'allow-dns',
      'allow-monitoring',
      'allow-same-namespace',
      'default-deny',
    ]);
    expect(policy('default-deny')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policy('allow-same-namespace')).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    expect(policy('allow-dns').egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    expect(policy('allow-monitoring').ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
    ]);
  });

  test('allows ingress from listed namespaces, one policy each', () => {
    const objects = synth({ allowFrom: ['web-frontend'] }, (tenant) => tenant.allowFrom('batch-gateway'));
    expect(find(objects, 'NetworkPolicy', 'allow-from-web-frontend').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web-frontend' } } }] },
    ]);
    expect(find(objects, 'NetworkPolicy', 'allow-from-batch-gateway').spec.policyTypes).toEqual(['Ingress']);
  });

  test('opens egress to listed blocks, and to the internet without private or metadata addresses', () => {
    const objects = synth({ egressCidrs: ['10.40.0.0/16'], allowInternet: true });
    expect(find(objects, 'NetworkPolicy', 'allow-egress-cidrs').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.40.0.0/16' } }] }]);
    const internet = find(objects, 'NetworkPolicy', 'allow-internet').spec.egress[0].to;
    expect(internet[0]).toEqual({
      ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] },
    });
    expect(internet[1].ipBlock.except).toEqual(['fc00::/7', 'fe80::/10']);
  });

  test('keeps the cluster\'s own pod and Service ranges closed to allowInternet where the private ranges do not already', () => {
    const objects = synth({ allowInternet: true, clusterCidrs: ['10.244.0.0/16', '203.0.113.0/24', 'fd00:10::/56', '2001:db8:5::/112', '203.0.113.0/24'] });
    const internet = find(objects, 'NetworkPolicy', 'allow-internet').spec.egress[0].to;
    expect(internet[0].ipBlock.except).toEqual(['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '203.0.113.0/24']);
    expect(internet[1].ipBlock.except).toEqual(['fc00::/7', 'fe80::/10', '2001:db8:5::/112']);
  });

  test('fails when a cluster range is not a CIDR block', () => {
    expect(() => synth({ allowInternet: true, clusterCidrs: ['10.96.0.0/12', '10.96.0.0'] })).toThrow(
      'TenantNamespace vision: clusterCidrs[1]: "10.96.0.0" is not a CIDR block; write it like 10.244.0.0/16 or fd00:10::/56',
    );
  });

  test('opens no egress beyond the namespace and DNS unless asked', () => {
    const names = synth().filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name);
    expect(names).not.toContain('allow-internet');
    expect(names).not.toContain('allow-egress-cidrs');
  });

  test('gives workloads a service account that mounts no token', () => {
    expect(find(synth(), 'ServiceAccount', 'workloads').automountServiceAccountToken).toBe(false);
  });

  test('defaults the tier to standard', () => {
    const chart = Testing.chart();
    const tenant = new TenantNamespace(chart, 'tenant', { ...BASE, tier: undefined });
    expect(tenant.priorityClassName).toBe('mlp-standard');
  });

  test('fails when the name is not a DNS label', () => {
    expect(() => synth({ name: 'Vision_Team' })).toThrow(
      `TenantNamespace: name "Vision_Team" is not a DNS-1123 label: use lowercase letters, digits and '-', at most 63 characters`,
    );
  });

  test('fails when there is no owner', () => {
    expect(() => synth({ owners: [] })).toThrow('TenantNamespace vision: owners is empty: a tenant needs at least one owner ({user: NAME} or {group: NAME})');
  });

  test('fails when a quota amount is not a quantity', () => {
    expect(() => synth({ quota: { ...BASE.quota, memory: 'lots' } })).toThrow(
      'TenantNamespace vision: quota.memory "lots" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)',
    );
  });

  test('fails when the GPU quota is negative', () => {
    expect(() => synth({ quota: { ...BASE.quota, gpu: -2 } })).toThrow('TenantNamespace vision: quota.gpu must be a whole number >= 0, got -2');
  });

  test('fails when an extra label uses a platform-owned prefix', () => {
    expect(() => synth({ labels: { 'mlp.io/tenant': 'nlp' } })).toThrow(
      'TenantNamespace vision: label "mlp.io/tenant" uses a platform-owned prefix; choose a key outside mlp.io/, kubernetes.io/ and k8s.io/',
    );
  });

  test('fails when a namespace is allowed twice', () => {
    expect(() => synth({ allowFrom: ['web'] }, (tenant) => tenant.allowFrom('web'))).toThrow(
      'TenantNamespace vision: allowFrom: namespace "web" is already allowed; list it once',
    );
  });

  describe('object names', () => {
    const plainObject = (chart: Chart, tenant: TenantNamespace, apiVersion: string, kind: string, name: string, namespace = tenant.name) =>
      new ApiObject(chart, `${kind}-${name}`.toLowerCase(), { apiVersion, kind, metadata: { ...tenant.objectMetadata(name), namespace } });

    test('fails when allowFrom makes the NetworkPolicy of a service already exposed via the ingress', () => {
      const chart = Testing.chart();
      const tenant = new TenantNamespace(chart, 'tenant', BASE);
      new ModelService(chart, 'allow', { tenant, image: 'registry.example.com/vision/server:1.0.0' }).exposeViaIngress({
        host: 'allow.vision.ml.example.com',
        className: 'nginx',
        controllerNamespace: 'ingress-nginx',
        tls: { secretName: 'wildcard-tls' },
      });
      expect(() => tenant.allowFrom('ingress')).toThrow(
        new Error(
          `TenantNamespace vision: NetworkPolicy "allow-from-ingress" is created twice: by test/allow/allow-ingress-controller (exposeViaIngress()) ` +
            `and by test/tenant/allow-from-ingress (allowFrom('ingress')); ` +
            'a namespace holds one NetworkPolicy of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
        ),
      );
    });

    test("fails when a library user's object takes the name of one of the tenant's own", () => {
      const chart = Testing.chart();
      const tenant = new TenantNamespace(chart, 'tenant', BASE);
      const quota = plainObject(chart, tenant, 'v1', 'ResourceQuota', 'tenant-quota');
      expect(() => tenant.claimName(quota, 'extra quota')).toThrow(
        new Error(
          'TenantNamespace vision: ResourceQuota "tenant-quota" is created twice: by test/tenant/quota (TenantNamespace) and by test/resourcequota-tenant-quota (extra quota); ' +
            'a namespace holds one ResourceQuota of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
        ),
      );
    });

    test('accepts the same kind and name in another API group', () => {
      const chart = Testing.chart();
      const tenant = new TenantNamespace(chart, 'tenant', BASE);
      // Calico's own NetworkPolicy kind is another resource than networking.k8s.io's.
      tenant.claimName(plainObject(chart, tenant, 'crd.projectcalico.org/v1', 'NetworkPolicy', 'default-deny'), 'Calico policy');
      const policies = Testing.synth(chart).filter((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'default-deny');
      expect(policies.map((object) => object.apiVersion).sort()).toEqual(['crd.projectcalico.org/v1', 'networking.k8s.io/v1']);
    });

    test('fails when a claimed object is in another namespace', () => {
      const chart = Testing.chart();
      const tenant = new TenantNamespace(chart, 'tenant', BASE);
      const config = plainObject(chart, tenant, 'v1', 'ConfigMap', 'settings', 'nlp');
      expect(() => tenant.claimName(config, 'settings')).toThrow(
        new Error(
          'TenantNamespace vision: ConfigMap "settings" of test/configmap-settings (settings) is in namespace "nlp", not "vision"; ' +
            'create it with metadata from tenant.objectMetadata(name)',
        ),
      );
    });
  });
});
