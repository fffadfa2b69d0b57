import { POLICY_IDS, PolicyId } from '../../config/policy-ids';
import { POLICIES } from '../../policy/catalog';
import { PolicyWaiver, evaluatePolicies, policyOptions, violationProblem } from '../../policy/evaluate';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { imagePinProblem, selectorMatches } from '../../policy/rules';
import { loadConfig } from '../../config/load';
import { formatProblem } from '../../config/problems';
import { synthesizeAll } from '../../stacks/synth';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';

const LABELS = { 'app.kubernetes.io/name': 'web' };

function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'server',
    image: 'registry.ml.example.com/team/server:1.0.0',
    resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: { privileged: false, allowPrivilegeEscalation: false },
    ...overrides,
  };
}

function deployment(podSpec: Record<string, unknown> = {}, name = 'web'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'team' },
    spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers: [container()], ...podSpec } } },
  };
}

function pdb(matchLabels: Record<string, string> = LABELS): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'team' }, spec: { maxUnavailable: 1, selector: { matchLabels } } };
}

function gpuJob(jobSpec: Record<string, unknown>): KubeObject {
  const gpuContainer = container({ resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 8 }, limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 8 } } });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'train', namespace: 'team' },
    spec: { ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [gpuContainer] } } },
  };
}

function tenantGroup(objects: KubeObject[]): ObjectGroup {
  return { dir: 'team', source: 'tenants/team.yaml', objects };
}

function check(objects: KubeObject[], waivers: PolicyWaiver[] = []) {
  return evaluatePolicies([tenantGroup(objects)], { ingressDomain: 'ml.example.com', gpuResourceNames: ['nvidia.com/gpu'], waivers: new Map([['team', waivers]]) });
}

/** `policy: message` of every unwaived violation. */
function findings(objects: KubeObject[]): string[] {
  return check(objects).violations.map((violation) => `${violation.policy}: ${violation.message}`);
}

describe('policies', () => {
  test('pass a compliant Deployment with its PodDisruptionBudget and a GPU Job with a deadline', () => {
    expect(findings([deployment(), pdb(), gpuJob({ activeDeadlineSeconds: 3600 })])).toEqual([]);
  });

  test('pass every object synthesized from the fixture tenants', () => {
    const config = loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR });
    const result = evaluatePolicies(synthesizeAll(config), policyOptions(config));
    expect(result.violations.map((violation) => formatProblem(violationProblem(violation)))).toEqual([]);
  });

  test('MLP001 fails a privileged container and one that may escalate privileges', () => {
    const object = deployment({
      containers: [container({ securityContext: { privileged: true } }), container({ name: 'sidecar', securityContext: { allowPrivilegeEscalation: true } })],
    });
    expect(findings([object, pdb()])).toEqual([
      'MLP001: container "server" is privileged (securityContext.privileged: true)',
      'MLP001: container "sidecar" may escalate privileges (securityContext.allowPrivilegeEscalation: true)',
    ]);
  });

  test('MLP002 fails host namespaces, host paths and host ports', () => {
    const object = deployment({
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }],
      containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })],
    });
    expect(findings([object, pdb()])).toEqual([
      'MLP002: the pod sets hostNetwork: true',
      'MLP002: the pod sets hostPID: true',
      'MLP002: the pod sets hostIPC: true',
      'MLP002: volume "docker" mounts the host path /var/run/docker.sock',
      'MLP002: container "server" binds host port 80',
    ]);
  });

  test('MLP003 fails images tagged latest or not tagged, in containers and init containers', () => {
    const object = deployment({
      initContainers: [container({ name: 'wait', image: 'registry.ml.example.com/mirror/busybox' })],
      containers: [container({ image: 'registry.ml.example.com/team/server:latest' })],
    });
    expect(findings([object, pdb()])).toEqual([
      'MLP003: init container "wait" uses image "registry.ml.example.com/mirror/busybox", which has no tag or digest (it means latest)',
      'MLP003: container "server" uses image "registry.ml.example.com/team/server:latest", whose tag "latest" is mutable',
    ]);
    expect(imagePinProblem('registry:5000/team/server')).toBe('uses image "registry:5000/team/server", which has no tag or digest (it means latest)');
    expect(imagePinProblem(`registry.ml.example.com/team/server@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });

  test('MLP004 fails a container without requests or limits', () => {
    const object = deployment({ containers: [container({ resources: { requests: { cpu: '1' } } })] });
    expect(findings([object, pdb()])).toEqual(['MLP004: container "server" sets no requests.memory, limits.cpu, limits.memory']);
  });

  test('MLP005 fails a GPU Job or CronJob without a deadline, and passes a CPU Job without one', () => {
    const cronJob: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'team' },
      spec: { schedule: '@daily', jobTemplate: { spec: gpuJob({}).spec } },
    };
    const cpuJob: KubeObject = { ...gpuJob({}), metadata: { name: 'cpu', namespace: 'team' }, spec: { template: { spec: { containers: [container()] } } } };
    expect(findings([gpuJob({}), cronJob, cpuJob])).toEqual([
      'MLP005: the Job uses GPUs but sets no spec.activeDeadlineSeconds, so a hung run holds its GPUs forever',
      'MLP005: the CronJob uses GPUs but sets no spec.jobTemplate.spec.activeDeadlineSeconds, so a hung run holds its GPUs forever',
    ]);
  });

  test('MLP006 fails a Deployment that no PodDisruptionBudget selects', () => {
    expect(findings([deployment(), pdb({ 'app.kubernetes.io/name': 'other' })])).toEqual([
      'MLP006: no PodDisruptionBudget in namespace team selects the pods of the Deployment',
    ]);
    expect(selectorMatches({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web'] }] }, LABELS)).toBe(true);
    expect(selectorMatches({}, LABELS)).toBe(false);
  });

  test('MLP007 fails a LoadBalancer or NodePort Service in a tenant namespace, not on the platform', () => {
    const service = (name: string, type: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'team' }, spec: { type, ports: [{ port: 80 }] } });
    const objects = [service('public', 'LoadBalancer'), service('node', 'NodePort'), service('internal', 'ClusterIP')];
    expect(findings(objects)).toEqual(['MLP007: the Service is of type LoadBalancer', 'MLP007: the Service is of type NodePort']);
    const platform = evaluatePolicies([{ dir: '_platform', source: 'platform.yaml', objects }], { ingressDomain: 'ml.example.com', gpuResourceNames: [], waivers: new Map() });
    expect(platform.violations).toEqual([]);
  });

  test('MLP008 fails ingress hosts outside the platform domain and rules without a host', () => {
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'team' },
      spec: {
        rules: [{ host: 'web.team.ml.example.com' }, { host: 'login.example.com' }, { http: { paths: [] } }],
        tls: [{ hosts: ['ml.example.com.evil.io'] }],
      },
    };
    expect(findings([ingress])).toEqual([
      'MLP008: host "login.example.com" is not under the platform domain ml.example.com',
      'MLP008: rule 2 has no host, so it would answer for every host name',
      'MLP008: TLS host "ml.example.com.evil.io" is not under the platform domain ml.example.com',
    ]);
  });

  test('MLP008 fails HTTPRoute hostnames outside the platform domain and a route without hostnames', () => {
    const route = (name: string, hostnames?: string[]): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'team' },
      spec: { ...(hostnames && { hostnames }), rules: [] },
    });
    expect(findings([route('web', ['web.team.ml.example.com', 'login.example.com']), route('any')])).toEqual([
      'MLP008: host "login.example.com" is not under the platform domain ml.example.com',
      'MLP008: it has no spec.hostnames, so it would answer for every host name of the Gateway listener',
    ]);
    expect(findings([route('web', ['web.team.ml.example.com'])])).toEqual([]);
  });

  test('the catalog lists MLP001 to MLP008, each with a fix', () => {
    expect(POLICY_IDS).toEqual(['MLP001', 'MLP002', 'MLP003', 'MLP004', 'MLP005', 'MLP006', 'MLP007', 'MLP008']);
    for (const id of POLICY_IDS) expect(POLICIES[id].fix.length).toBeGreaterThan(20);
  });

  test('reports a violation as a problem with file, tenant, object, policy id, message and fix', () => {
    const [violation] = check([deployment({ containers: [container({ image: 'registry.ml.example.com/team/server:latest' })] }), pdb()]).violations;
    expect(formatProblem(violationProblem(violation))).toBe(
      'tenants/team.yaml: team/Deployment/web: MLP003 (images pinned by tag or digest, never latest): container "server" uses image ' +
        '"registry.ml.example.com/team/server:latest", whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...)',
    );
    expect(violation.tenant).toBe('team');
  });

  test('a waiver accepts the violations of its policy only, and an unused waiver is reported', () => {
    const waivers: PolicyWaiver[] = [
      { policy: 'MLP006', reason: 'a singleton migration runner; downtime during drains is fine' },
      { policy: 'MLP002', reason: 'nothing uses host paths any more' },
    ];
    const result = check([deployment({ containers: [container({ image: 'registry.ml.example.com/team/server:latest' })] })], waivers);
    expect(result.violations.map((violation) => violation.policy)).toEqual<PolicyId[]>(['MLP003']);
    expect(result.waived.map((violation) => [violation.policy, violation.waiver?.reason])).toEqual([['MLP006', waivers[0].reason]]);
    expect(result.unusedWaivers).toEqual([{ file: 'tenants/team.yaml', tenant: 'team', index: 1, waiver: waivers[1] }]);
  });
});
