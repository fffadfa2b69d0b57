import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { ValidationError, formatProblem } from '../../config/problems';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR, minimalTenant, scratchProject, withoutKueue } from '../support/fixtures';

/** Every problem reported for these tenant files, formatted, with the scratch directory left out. */
function problemsOf(tenants: Record<string, string>, editPlatform?: (text: string) => string): string[] {
  const project = scratchProject(tenants);
  if (editPlatform) fs.writeFileSync(project.platformFile, editPlatform(fs.readFileSync(project.platformFile, 'utf8')));
  try {
    loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).split(`${project.dir}${path.sep}`).join(''));
  } finally {
    fs.rmSync(project.dir, { recursive: true, force: true });
  }
  throw new Error('expected a ValidationError, but the files loaded');
}

/** A tenant file `name` with `spec` lines appended to the minimal one. */
function tenantWith(name: string, specLines: string): string {
  return `${minimalTenant(name)}${specLines}`;
}

/** A training job; CPU-only unless `lines` set gpus, since the default GPU quota is 0. */
const JOB = (lines: string) => `  trainingJobs:
    - name: train
      image: registry.ml.example.com/vision/trainer:2.4.1
${lines.includes('gpus:') ? '' : '      gpus: 0\n'}${lines}`;

const SERVICE = (lines: string) => `  modelServices:
    - name: serve
      image: registry.ml.example.com/vision/server:1.0.0
${lines}`;

describe('loadConfig', () => {
  test('loads the fixture tenants in name order with platform defaults resolved', () => {
    const config = loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR });
    expect(config.tenants.map((tenant) => tenant.name)).toEqual(['analytics', 'nlp', 'vision']);
    const analytics = config.tenants[0];
    expect(analytics.quota).toEqual({ cpu: '16', memory: '64Gi', gpu: 0, storage: '200Gi', pods: 50, ephemeralStorage: '200Gi' });
    expect(analytics.tier).toBe('batch');
    const vision = config.tenants[2];
    expect(vision.limits.max).toEqual({ cpu: '64', memory: '512Gi', ephemeralStorage: '500Gi' });
    expect(vision.limits.default).toEqual({ cpu: '1', memory: '2Gi', ephemeralStorage: '4Gi' });
    expect(vision.quota.ephemeralStorage).toBe('1Ti');
    expect(vision.trainingJobs[0].gpuType?.name).toBe('a100-80gb');
    expect(vision.trainingJobs[0].checkpoint?.storageClass).toBe('filestore-rwx');
  });

  test('accepts a six-line tenant file', () => {
    const project = scratchProject({ 'tiny.yaml': minimalTenant('tiny') });
    const config = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    expect(config.tenants[0]).toMatchObject({ name: 'tiny', tier: 'standard', allowInternet: false, trainingJobs: [], modelServices: [] });
  });

  test('fails when a quota is negative, naming the file, line, field and what is allowed', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpu: -2\n') })).toEqual([
      'tenants/vision.yaml:10: spec.quota.gpu: expected a whole number >= 0, got -2',
    ]);
  });

  test('fails when a field is unknown, suggesting the closest one', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpuz: 4\n') })).toEqual([
      'tenants/vision.yaml:10: spec.quota.gpuz: unknown field "gpuz" (did you mean "gpu"?); allowed fields: cpu, memory, gpu, storage, pods, ephemeralStorage',
    ]);
  });

  test('fails when a required field is missing', () => {
    const text = minimalTenant('vision').replace('  costCenter: cc-1\n', '');
    expect(problemsOf({ 'vision.yaml': text })).toEqual(['tenants/vision.yaml:5: spec.costCenter: is required (a string)']);
  });

  test('fails when a tenant has no owner', () => {
    const text = minimalTenant('vision').replace(/  owners:\n.*\n/, '  owners: []\n');
    expect(problemsOf({ 'vision.yaml': text })).toEqual(['tenants/vision.yaml:7: spec.owners: a tenant needs at least one owner']);
  });

  test('fails when the tier is not one of the tiers', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  tier: gold\n') })).toEqual([
      'tenants/vision.yaml:9: spec.tier: expected one of critical, standard, batch, got "gold"',
    ]);
  });

  test('reports every problem of every file together', () => {
    expect(
      problemsOf({
        'a.yaml': tenantWith('a', '  tier: gold\n  quota:\n    pods: many\n'),
        'b.yaml': tenantWith('b', '  owners2: []\n'),
      }),
    ).toEqual([
      'tenants/a.yaml:9: spec.tier: expected one of critical, standard, batch, got "gold"',
      'tenants/a.yaml:11: spec.quota.pods: expected a whole number >= 0, got "many"',
      'tenants/b.yaml:9: spec.owners2: unknown field "owners2" (did you mean "owners"?); allowed fields: costCenter, owners, members, viewers, tier, quota, queueing, limits, network, trainingJobs, modelServices, policyWaivers, monitoring',
    ]);
  });

  test('fails when the file name differs from metadata.name', () => {
    expect(problemsOf({ 'vision.yaml': minimalTenant('visoin') })).toEqual([
      'tenants/vision.yaml:4: metadata.name: "visoin" differs from the file name "vision.yaml"; rename the file to visoin.yaml or change metadata.name',
    ]);
  });

  test('fails when two files define the same tenant', () => {
    expect(problemsOf({ 'vision.yaml': minimalTenant('vision'), 'vision.yml': minimalTenant('vision') })).toEqual([
      'tenants/vision.yml: metadata.name: tenant "vision" is already defined in tenants/vision.yaml; tenant names must be unique',
    ]);
  });

  test('fails when a tenant is named like a system namespace', () => {
    expect(problemsOf({ 'kube-system.yaml': minimalTenant('kube-system'), 'monitoring.yaml': minimalTenant('monitoring') })).toEqual([
      'tenants/kube-system.yaml:4: metadata.name: "kube-system" is reserved for the platform or Kubernetes (default, kube-system, kube-public, kube-node-lease, monitoring, gateway-system, kube-*); choose another tenant name',
      'tenants/monitoring.yaml:4: metadata.name: "monitoring" is reserved for the platform or Kubernetes (default, kube-system, kube-public, kube-node-lease, monitoring, gateway-system, kube-*); choose another tenant name',
    ]);
  });

  test('fails when a tenant name is too long', () => {
    const name = 'a'.repeat(41);
    expect(problemsOf({ [`${name}.yaml`]: minimalTenant(name) })).toEqual([
      `tenants/${name}.yaml:4: metadata.name: a tenant name must be at most 40 characters, got 41`,
    ]);
  });

  test('fails when two workloads share a name', () => {
    const spec = `${JOB('')}    - name: train\n      image: registry.ml.example.com/vision/trainer:2.4.1\n      gpus: 0\n${SERVICE('').replace('name: serve', 'name: train')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      `tenants/vision.yaml:13: spec.trainingJobs[1].name: "train" is already used by spec.trainingJobs[0]; job and service names share the namespace's Service names and must be unique`,
      `tenants/vision.yaml:17: spec.modelServices[0].name: "train" is already used by spec.trainingJobs[0]; job and service names share the namespace's Service names and must be unique`,
    ]);
  });

  test('fails when a job needs more GPUs than the quota, with Kueue off', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', `  quota:\n    gpu: 8\n${JOB('      gpus: 4\n      workers: 3\n')}`) }, withoutKueue)).toEqual([
      "tenants/vision.yaml:14: spec.trainingJobs[0].gpus: its 3 workers need 12 GPUs (3 x 4), more than the tenant's GPU quota of 8; lower it or raise spec.quota.gpu",
    ]);
  });

  test('fails when a service at its maximum needs more GPUs than the quota, with Kueue off', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', `  quota:\n    gpu: 2\n${SERVICE('      gpus: 1\n      replicas:\n        max: 3\n')}`) }, withoutKueue)).toEqual([
      "tenants/vision.yaml:14: spec.modelServices[0].gpus: a rollout at its 3 replicas needs 4 GPUs (3 + 1 surge replica, x 1), more than the tenant's GPU quota of 2; lower replicas.max or gpus, or raise spec.quota.gpu",
    ]);
  });

  test('fails when the quota fits a service at its maximum but not the surge replica of a rollout, with Kueue off', () => {
    const spec = `  quota:\n    gpu: 4\n${SERVICE('      gpus: 1\n      replicas:\n        min: 4\n        max: 4\n')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) }, withoutKueue)).toEqual([
      "tenants/vision.yaml:14: spec.modelServices[0].gpus: a rollout at its 4 replicas needs 5 GPUs (4 + 1 surge replica, x 1), more than the tenant's GPU quota of 4; lower replicas.max or gpus, or raise spec.quota.gpu",
    ]);
  });

  test('fails when the surge replica of a rollout needs more CPU or memory than the quota, with Kueue off', () => {
    const spec = `  quota:\n    cpu: "8"\n    memory: 16Gi\n${SERVICE('      cpu: "2"\n      memory: 4Gi\n      replicas:\n        max: 4\n')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) }, withoutKueue)).toEqual([
      "tenants/vision.yaml:15: spec.modelServices[0].cpu: a rollout at its 4 replicas needs 5 x 2 (4 + 1 surge replica), more than the tenant's cpu quota of 8; lower replicas.max or cpu, or raise spec.quota.cpu",
      "tenants/vision.yaml:16: spec.modelServices[0].memory: a rollout at its 4 replicas needs 5 x 4Gi (4 + 1 surge replica), more than the tenant's memory quota of 16Gi; lower replicas.max or memory, or raise spec.quota.memory",
    ]);
  });

  test('accepts a GPU quota that fits the maximum replicas and the surge replica', () => {
    const spec = `  quota:\n    gpu: 5\n${SERVICE('      gpus: 1\n      replicas:\n        min: 4\n        max: 4\n')}`;
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', spec) });
    expect(loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants[0].modelServices[0]).toMatchObject({ gpus: 1, maxReplicas: 4 });
  });

  test('passes liveness settings through, leaving defaults to the construct', () => {
    const spec = SERVICE('      liveness:\n        path: /livez\n        failureThreshold: 6\n');
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', spec) });
    expect(loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants[0].modelServices[0].liveness).toEqual({ path: '/livez', failureThreshold: 6 });
  });

  test('fails when liveness would restart a busy replica before readiness takes it out of rotation', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', SERVICE('      liveness:\n        periodSeconds: 10\n        failureThreshold: 3\n')) })).toEqual([
      'tenants/vision.yaml:14: spec.modelServices[0].liveness.failureThreshold: restarts a replica after 30 s of failed probes (failureThreshold 3 x periodSeconds 10), no later than readiness takes it out of rotation (30 s); raise liveness.failureThreshold or liveness.periodSeconds so that a busy replica is not restarted',
    ]);
  });

  test('fails when a liveness setting is not a whole number of seconds or a path', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', SERVICE('      liveness:\n        path: livez\n        timeoutSeconds: 0\n')) })).toEqual([
      'tenants/vision.yaml:13: spec.modelServices[0].liveness.path: expected a path starting with "/"',
      'tenants/vision.yaml:14: spec.modelServices[0].liveness.timeoutSeconds: expected a whole number >= 1, got 0',
    ]);
  });

  test('fails when a workload is larger than the largest container', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      cpu: "40"\n')) })).toEqual([
      "tenants/vision.yaml:13: spec.trainingJobs[0].cpu: 40 exceeds the tenant's largest container (limits.max.cpu: 32); lower it or raise spec.limits.max.cpu",
    ]);
  });

  test('fails when the GPU type is unknown', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', `  quota:\n    gpu: 1\n${JOB('      gpuType: tpu-v5\n')}`) })).toEqual([
      'tenants/vision.yaml:15: spec.trainingJobs[0].gpuType: unknown GPU type "tpu-v5"; the platform offers a100-80gb, h100-80gb, l4',
    ]);
  });

  test('fails when an image comes from a registry that is not allowed', () => {
    const spec = SERVICE('').replace('registry.ml.example.com/vision/server:1.0.0', 'docker.io/library/nginx:1.27');
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      'tenants/vision.yaml:11: spec.modelServices[0].image: image "docker.io/library/nginx:1.27" is not from an allowed registry; use one of registry.ml.example.com, ghcr.io/example-org',
    ]);
  });

  test('fails when an image has no pinned tag or digest', () => {
    const latest = SERVICE('').replace(':1.0.0', ':latest');
    const untagged = JOB('').replace(':2.4.1', '');
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', latest), 'nlp.yaml': tenantWith('nlp', untagged) })).toEqual([
      'tenants/nlp.yaml:11: spec.trainingJobs[0].image: image "registry.ml.example.com/vision/trainer" has no tag or digest: pin a version tag (name:1.2.3) or a digest (name@sha256:...) so that deployments are reproducible',
      'tenants/vision.yaml:11: spec.modelServices[0].image: image "registry.ml.example.com/vision/server:latest" uses the mutable tag "latest": pin a version tag (name:1.2.3) or a digest (name@sha256:...) so that deployments are reproducible',
    ]);
  });

  test('fails when min replicas exceed max replicas', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', SERVICE('      replicas:\n        min: 5\n        max: 3\n')) })).toEqual([
      'tenants/vision.yaml:13: spec.modelServices[0].replicas.min: min 5 exceeds max 3; lower min or raise max',
    ]);
  });

  test('fails when an ingress host is outside the platform domain', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', SERVICE('      expose:\n        type: ingress\n        host: chat.example.org\n')) })).toEqual([
      'tenants/vision.yaml:14: spec.modelServices[0].expose.host: "chat.example.org" is not a host name under the platform domain ml.example.com; use e.g. serve.vision.ml.example.com',
    ]);
  });

  test('fails when a subject is a Kubernetes system group', () => {
    const text = minimalTenant('vision').replace('- user: vision-owner@example.com', '- group: system:masters');
    expect(problemsOf({ 'vision.yaml': text })).toEqual([
      'tenants/vision.yaml:8: spec.owners[0].group: group "system:masters" is reserved for Kubernetes components (names starting with "system:" cannot be granted tenant roles)',
    ]);
  });

  test('fails when a label uses a platform-owned prefix', () => {
    const text = minimalTenant('vision').replace('  name: vision\n', '  name: vision\n  labels:\n    mlp.io/tenant: nlp\n');
    expect(problemsOf({ 'vision.yaml': text })).toEqual([
      'tenants/vision.yaml:6: metadata.labels["mlp.io/tenant"]: label "mlp.io/tenant" uses a platform-owned prefix (mlp.io/, kubernetes.io/, k8s.io/, pod-security.kubernetes.io/); choose another key',
    ]);
  });

  test('fails when a label key breaks the Kubernetes rules, naming the key and the rule', () => {
    const text = minimalTenant('vision').replace('  name: vision\n', '  name: vision\n  labels:\n    "bad key!": x\n');
    expect(problemsOf({ 'vision.yaml': text })).toEqual([
      'tenants/vision.yaml:6: metadata.labels["bad key!"]: "bad key!" is not a valid label key: an optional DNS-name prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit (team, example.com/team)',
    ]);
  });

  test('fails when allowFrom names a namespace anyone can run pods in', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  network:\n    allowFrom: [default, kube-system]\n') })).toEqual([
      'tenants/vision.yaml:10: spec.network.allowFrom[0]: "default" cannot be allowed in: any workload of the cluster may run there; allow the namespace of the specific client instead',
      'tenants/vision.yaml:10: spec.network.allowFrom[1]: "kube-system" cannot be allowed in: it is a Kubernetes system namespace; allow the namespace of the specific client instead',
    ]);
  });

  test('fails when egress opens every address without allowInternet', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  network:\n    egress:\n      allowCidrs: [0.0.0.0/0]\n') })).toEqual([
      'tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 0.0.0.0/0 opens every IPv4 address; use allowInternet: true for public addresses, or list narrower blocks',
    ]);
  });

  test('fails when a platform variable is set in env', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      workers: 2\n      env:\n        MASTER_ADDR: x\n')) })).toEqual([
      'tenants/vision.yaml:15: spec.trainingJobs[0].env.MASTER_ADDR: MASTER_ADDR is set by the platform; remove it',
    ]);
  });

  test('fails on invalid YAML with the line of the error', () => {
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}  quota: {cpu: 4\n` })).toEqual([
      "tenants/vision.yaml:10: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }",
    ]);
  });

  test('fails on duplicate keys, naming the key and both lines', () => {
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}  tier: batch\n  tier: critical\n` })).toEqual([
      'tenants/vision.yaml:10: invalid YAML: key "tier" appears twice in one mapping (first on line 9); remove one of them',
    ]);
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}  quota:\n    gpu: 1\n    cpu: "2"\n    gpu: 2\n` })).toEqual([
      'tenants/vision.yaml:12: invalid YAML: key "gpu" appears twice in one mapping (first on line 10); remove one of them',
    ]);
  });

  test('fails on custom tags instead of running them', () => {
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}  tier: !!js/function "function () { return 'batch' }"\n` })).toEqual([
      expect.stringMatching(/^tenants\/vision\.yaml:9: invalid YAML: Unresolved tag: tag:yaml.org,2002:js\/function/),
    ]);
  });

  test('fails on merge keys, which YAML 1.2 does not have', () => {
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}  quota:\n    <<: {gpu: 4}\n` })).toEqual([
      'tenants/vision.yaml:10: spec.quota["<<"]: unknown field "<<"; allowed fields: cpu, memory, gpu, storage, pods, ephemeralStorage',
    ]);
  });

  test('fails on several documents in one file, at the line of the second', () => {
    expect(problemsOf({ 'vision.yaml': `${minimalTenant('vision')}---\n${minimalTenant('vision')}` })).toEqual([
      'tenants/vision.yaml:9: expected one YAML document, but a second one starts here; remove this "---" and what follows, or move it to a file of its own',
    ]);
    expect(problemsOf({ 'vision.yaml': `---\n${minimalTenant('vision')}---\nx: 1\n---\ny: 2\n` })).toEqual([
      'tenants/vision.yaml:10: expected one YAML document, found 3, the second starting here; remove this "---" and what follows, or move it to a file of its own',
    ]);
  });

  test('fails on an empty file', () => {
    expect(problemsOf({ 'vision.yaml': '' })).toEqual(['tenants/vision.yaml: the file is empty: expected a YAML mapping']);
  });

  test('fails on a file over the size limit without parsing it', () => {
    const huge = `${minimalTenant('vision')}#${'x'.repeat(1024 * 1024)}\n`;
    expect(problemsOf({ 'vision.yaml': huge })).toEqual([
      `tenants/vision.yaml: file is ${Buffer.byteLength(huge)} bytes; input files are limited to 1048576 bytes`,
    ]);
  });

  test('fails on alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level++) bomb.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
    expect(problemsOf({ 'vision.yaml': `${bomb.join('\n')}\n` })).toEqual([
      expect.stringMatching(/^tenants\/vision\.yaml: invalid YAML: .*alias/i),
    ]);
  });

  test('resolves alert thresholds, tenant values over defaults', () => {
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', '  monitoring:\n    gpuIdlePercent: 20\n    maxReplicasFor: 1h\n    canaryMinRequestsPerSecond: 2\n') });
    const [tenant] = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants;
    expect(tenant.monitoring).toEqual({
      gpuIdlePercent: 20,
      gpuIdleFor: '30m',
      quotaWarningPercent: 85,
      errorRatePercent: 5,
      latencyP99Seconds: 1,
      maxReplicasFor: '1h',
      canaryErrorMarginPercent: 2,
      canaryMinRequestsPerSecond: 2,
    });
  });

  test('fails when the canary minimum request rate is not above 0', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  monitoring:\n    canaryMinRequestsPerSecond: 0\n') })).toEqual([
      'tenants/vision.yaml:10: spec.monitoring.canaryMinRequestsPerSecond: expected requests per second above 0, got 0',
    ]);
  });

  test('fails when an alert threshold is not a percentage', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  monitoring:\n    quotaWarningPercent: 150\n') })).toEqual([
      'tenants/vision.yaml:10: spec.monitoring.quotaWarningPercent: expected a percentage above 0 and at most 100, got 150',
    ]);
  });

  test('accepts amounts that fit exactly, whatever their units', () => {
    // 700m is the largest container (0.7 cores), and (3 + 1 surge replica) x 700m is the whole quota of 2.8 cores.
    const limits = '  limits:\n    default:\n      cpu: 500m\n    max:\n      cpu: "0.7"\n';
    const spec = `  quota:\n    cpu: "2.8"\n${limits}${SERVICE('      cpu: 700m\n      replicas:\n        min: 1\n        max: 3\n')}`;
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', spec) });
    expect(loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants[0].modelServices[0].cpu).toBe('700m');
  });

  test('fails on amounts larger than any Kubernetes quantity, however written', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    cpu: 1e21\n    memory: 99999999999999Ei\n    storage: "99999999999999999999"\n') })).toEqual([
      'tenants/vision.yaml:10: spec.quota.cpu: 1e+21 is larger than any Kubernetes quantity (at most 2^63-1 of the base unit, e.g. 8Ei of memory)',
      'tenants/vision.yaml:11: spec.quota.memory: "99999999999999Ei" is larger than any Kubernetes quantity (at most 2^63-1 of the base unit, e.g. 8Ei of memory)',
      'tenants/vision.yaml:12: spec.quota.storage: "99999999999999999999" is larger than any Kubernetes quantity (at most 2^63-1 of the base unit, e.g. 8Ei of memory)',
    ]);
  });

  test('fails on names that JavaScript objects reserve, and on __proto__ keys', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', `${JOB('      env:\n        __proto__: x\n').replace('name: train', 'name: constructor')}`) })).toEqual([
      'tenants/vision.yaml:14: spec.trainingJobs[0].env.__proto__: unknown field "__proto__"; this key is not allowed anywhere',
    ]);
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('').replace('name: train', 'name: constructor')) })).toEqual([
      'tenants/vision.yaml:10: spec.trainingJobs[0].name: "constructor" is reserved; choose another name',
    ]);
  });

  test('fails when a checkpoint would be mounted over a path the platform uses', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      checkpoint:\n        size: 10Gi\n        mountPath: /tmp\n')) })).toEqual([
      'tenants/vision.yaml:15: spec.trainingJobs[0].checkpoint.mountPath: "/tmp" is used by the platform or the system (/, /tmp, /dev, /proc, /sys); mount checkpoints elsewhere, e.g. /checkpoints',
    ]);
  });

  test('fails when two NetworkPolicies would get the same name', () => {
    // The fixture platform exposes through its Gateway: the service's NetworkPolicy is allow-from-gateway.
    const spec = `  network:\n    allowFrom: [gateway]\n${SERVICE('      expose:\n        type: ingress\n').replace('name: serve', 'name: allow')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      'tenants/vision.yaml:12: spec.modelServices[0].name: exposing service "allow" through the gateway would be NetworkPolicy "allow-from-gateway", which allowing namespace "gateway" already uses; rename it',
    ]);
  });

  test('fails when the platform names an unknown default GPU type', () => {
    expect(problemsOf({ 'vision.yaml': minimalTenant('vision') }, (text) => text.replace('defaultGpuType: a100-80gb', 'defaultGpuType: b200'))).toEqual([
      'platform.yaml:33: spec.defaultGpuType: "b200" is not one of the gpuTypes (a100-80gb, h100-80gb, l4)',
    ]);
  });

  describe('amounts', () => {
    test('fails when a quota is beyond the platform bounds, one message each showing the value', () => {
      const spec = '  quota:\n    cpu: "20000"\n    memory: 200Ti\n    gpu: 2048\n    storage: 2Pi\n    pods: 20000\n';
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
        'tenants/vision.yaml:10: spec.quota.cpu: 20000 exceeds 10000, the largest cpu quota the platform allows (limits.quota.cpu in the platform file); lower it, or ask the platform team to raise that limit',
        'tenants/vision.yaml:11: spec.quota.memory: 200Ti exceeds 100Ti, the largest memory quota the platform allows (limits.quota.memory in the platform file); lower it, or ask the platform team to raise that limit',
        'tenants/vision.yaml:12: spec.quota.gpu: 2048 exceeds 1024, the largest gpu quota the platform allows (limits.quota.gpu in the platform file); lower it, or ask the platform team to raise that limit',
        'tenants/vision.yaml:13: spec.quota.storage: 2Pi exceeds 1Pi, the largest storage quota the platform allows (limits.quota.storage in the platform file); lower it, or ask the platform team to raise that limit',
        'tenants/vision.yaml:14: spec.quota.pods: 20000 exceeds 10000, the largest pods quota the platform allows (limits.quota.pods in the platform file); lower it, or ask the platform team to raise that limit',
      ]);
    });

    test('fails with one message when a whole number is far too large', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpu: 99999999999999999999\n') })).toEqual([
        'tenants/vision.yaml:10: spec.quota.gpu: expected a whole number <= 1000000, got 100000000000000000000',
      ]);
    });

    test('fails when a whole number is quoted, with the hint to drop the quotes', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpu: "8"\n') })).toEqual([
        'tenants/vision.yaml:10: spec.quota.gpu: expected a whole number >= 0, got "8"; write 8 without quotes',
      ]);
    });

    test('fails when an amount is negative, showing the value as written', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    cpu: "-2"\n    memory: -2\n') })).toEqual([
        'tenants/vision.yaml:10: spec.quota.cpu: expected an amount >= 0, got "-2"',
        'tenants/vision.yaml:11: spec.quota.memory: expected an amount >= 0, got -2',
      ]);
    });

    test('fails when an amount is not a quantity, showing the value', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    cpu: 4 cores\n') })).toEqual([
        'tenants/vision.yaml:10: spec.quota.cpu: expected a Kubernetes quantity such as 500m, 4, 16Gi, 1Ti or 1e3, got "4 cores"',
      ]);
    });

    test('accepts decimal exponents as Kubernetes does and keeps amounts as written', () => {
      const project = scratchProject({ 'vision.yaml': tenantWith('vision', '  quota:\n    cpu: "1e2"\n    memory: 1E12\n    storage: "5e11"\n') });
      try {
        const [tenant] = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants;
        expect(tenant.quota).toEqual({ cpu: '1e2', memory: '1000000000000', gpu: 0, storage: '5e11', pods: 50, ephemeralStorage: '200Gi' });
      } finally {
        fs.rmSync(project.dir, { recursive: true, force: true });
      }
    });

    test('fails when a container has less memory than runtimes can start, or less than 1m of CPU', () => {
      const spec = `${JOB('      memory: 1.5\n      cpu: "0.0001"\n')}${SERVICE('      memory: 16\n').replace('  modelServices:\n', '  modelServices:\n')}`;
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
        'tenants/vision.yaml:13: spec.trainingJobs[0].memory: 1.5 is less than 16Mi, the smallest container memory (limits.container.minMemory in the platform file): container runtimes refuse to start smaller containers; a number without a unit is bytes: write 1.5Gi for gibibytes',
        'tenants/vision.yaml:14: spec.trainingJobs[0].cpu: 0.0001 is less than 1m, the smallest CPU amount Kubernetes has; write e.g. 100m',
        'tenants/vision.yaml:18: spec.modelServices[0].memory: 16 is less than 16Mi, the smallest container memory (limits.container.minMemory in the platform file): container runtimes refuse to start smaller containers; a number without a unit is bytes: write 16Gi for gibibytes',
      ]);
    });

    test('fails when /dev/shm is smaller than 1Mi', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      shmSize: "1"\n')) })).toEqual([
        'tenants/vision.yaml:13: spec.trainingJobs[0].shmSize: 1 is less than 1Mi, too small for a shared-memory volume; a number without a unit is bytes: write 1Gi for gibibytes',
      ]);
    });

    test('fails when tenant limits are outside the container bounds', () => {
      const spec = '  limits:\n    defaultRequest:\n      memory: 8Mi\n    max:\n      cpu: "2000"\n      memory: 64Ti\n';
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
        'tenants/vision.yaml:11: spec.limits.defaultRequest.memory: 8Mi is less than 16Mi, the smallest container memory (limits.container.minMemory in the platform file): container runtimes refuse to start smaller containers; write at least 16Mi',
        'tenants/vision.yaml:13: spec.limits.max.cpu: 2000 exceeds 1024, the largest container CPU (limits.container.cpu in the platform file); lower it',
        'tenants/vision.yaml:14: spec.limits.max.memory: 64Ti exceeds 32Ti, the largest container memory (limits.container.memory in the platform file); lower it',
      ]);
    });

    test('applies bounds the platform file sets, and checks its own defaults against them', () => {
      const tighter = (text: string) => text.replace('      gpu: 1024\n', '      gpu: 8\n').replace('      minMemory: 16Mi', '      minMemory: 1Gi');
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpu: 16\n') }, tighter)).toEqual([
        'platform.yaml:54: spec.defaults.limits.defaultRequest.memory: 512Mi is less than 1Gi, the smallest container memory (limits.container.minMemory in the platform file): container runtimes refuse to start smaller containers; write at least 1Gi',
      ]);
      const smallQuota = (text: string) => text.replace('      gpu: 1024\n', '      gpu: 8\n');
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', '  quota:\n    gpu: 16\n') }, smallQuota)).toEqual([
        'tenants/vision.yaml:10: spec.quota.gpu: 16 exceeds 8, the largest gpu quota the platform allows (limits.quota.gpu in the platform file); lower it, or ask the platform team to raise that limit',
      ]);
    });
  });

  describe('egress blocks', () => {
    const egress = (cidrs: string) => `  network:\n    egress:\n      allowCidrs: ${cidrs}\n`;

    test('fails on blocks wider than the platform allows, pointing at allowInternet', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[0.0.0.0/1, 128.0.0.0/1, "2000::/3", "::/0"]')) })).toEqual([
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 0.0.0.0/1 is wider than /8, the widest block the platform allows (network.egress.minPrefixLength.ipv4 in the platform file); use allowInternet: true for public addresses, or list narrower blocks',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: 128.0.0.0/1 is wider than /8, the widest block the platform allows (network.egress.minPrefixLength.ipv4 in the platform file); use allowInternet: true for public addresses, or list narrower blocks',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[2]: 2000::/3 is wider than /32, the widest block the platform allows (network.egress.minPrefixLength.ipv6 in the platform file); use allowInternet: true for public addresses, or list narrower blocks',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[3]: ::/0 opens every IPv6 address; use allowInternet: true for public addresses, or list narrower blocks',
      ]);
    });

    test('fails on link-local blocks, where the cloud metadata service is, in any notation', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[169.254.169.254/32, "fe80::1/128", "::ffff:169.254.169.254/128", "::FFFF:a9fe:a9fe/128"]')) })).toEqual([
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 169.254.169.254/32 overlaps the link-local range 169.254.0.0/16, where the cloud metadata service hands out node credentials; remove it',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: fe80::1/128 overlaps the link-local range fe80::/10, where the cloud metadata service hands out node credentials; remove it',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[2]: ::ffff:169.254.169.254/128 (the IPv4 block 169.254.169.254/32) overlaps the link-local range 169.254.0.0/16, where the cloud metadata service hands out node credentials; remove it',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[3]: ::FFFF:a9fe:a9fe/128 (the IPv4 block 169.254.169.254/32) overlaps the link-local range 169.254.0.0/16, where the cloud metadata service hands out node credentials; remove it',
      ]);
    });

    test('fails on blocks that overlap the cluster pod or Service ranges', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[10.244.3.0/24, 10.100.0.0/16, 10.0.0.0/8]')) })).toEqual([
        "tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 10.244.3.0/24 overlaps the cluster's pod range 10.244.0.0/16 (network.podCidrs in the platform file); addresses inside the cluster cannot be opened by CIDR: remove it",
        "tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: 10.100.0.0/16 overlaps the cluster's Service range 10.96.0.0/12 (network.serviceCidrs in the platform file); addresses inside the cluster cannot be opened by CIDR: remove it",
        "tenants/vision.yaml:11: spec.network.egress.allowCidrs[2]: 10.0.0.0/8 overlaps the cluster's pod range 10.244.0.0/16 (network.podCidrs in the platform file); addresses inside the cluster cannot be opened by CIDR: remove it",
      ]);
    });

    test('fails on blocks with host bits set or IPv4 written as IPv6, naming the block to write', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[10.40.0.1/16, "2001:db8::1/32", "::ffff:10.40.0.0/112", "::/64"]')) })).toEqual([
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 10.40.0.1/16 has address bits set after its /16 prefix; write 10.40.0.0/16 for the whole block, or 10.40.0.1/32 for one address',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: 2001:db8::1/32 has address bits set after its /32 prefix; write 2001:db8::/32 for the whole block, or 2001:db8::1/128 for one address',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[2]: ::ffff:10.40.0.0/112 is an IPv4 block written as IPv6; write 10.40.0.0/16',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[3]: ::/64 covers ::ffff:0:0/96, where every IPv4 address has an IPv6 form; list IPv4 blocks as IPv4 and narrow this one',
      ]);
    });

    test('fails on text that is not a CIDR block', () => {
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[10.40.0.0/33, 010.40.0.0/16, "fe80::1%eth0/128"]')) })).toEqual([
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: "10.40.0.0/33" is not a CIDR block such as 10.20.0.0/16 or 2001:db8::/32',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: "010.40.0.0/16" is not a CIDR block such as 10.20.0.0/16 or 2001:db8::/32',
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[2]: "fe80::1%eth0/128" is not a CIDR block such as 10.20.0.0/16 or 2001:db8::/32',
      ]);
    });

    test('uses the ranges and the minimum prefix length the platform file sets', () => {
      const platform = (text: string) => text.replace('podCidrs: [10.244.0.0/16]', 'podCidrs: [10.40.0.0/14]').replace('        ipv4: 8\n', '        ipv4: 24\n');
      expect(problemsOf({ 'vision.yaml': tenantWith('vision', egress('[10.41.0.0/24, 192.0.2.0/23, 192.0.2.0/24]')) }, platform)).toEqual([
        "tenants/vision.yaml:11: spec.network.egress.allowCidrs[0]: 10.41.0.0/24 overlaps the cluster's pod range 10.40.0.0/14 (network.podCidrs in the platform file); addresses inside the cluster cannot be opened by CIDR: remove it",
        'tenants/vision.yaml:11: spec.network.egress.allowCidrs[1]: 192.0.2.0/23 is wider than /24, the widest block the platform allows (network.egress.minPrefixLength.ipv4 in the platform file); use allowInternet: true for public addresses, or list narrower blocks',
      ]);
    });

    test('fails when the platform writes its own ranges non-canonically', () => {
      const platform = (text: string) => text.replace('podCidrs: [10.244.0.0/16]', 'podCidrs: [10.244.0.1/16]');
      expect(problemsOf({ 'vision.yaml': minimalTenant('vision') }, platform)).toEqual([
        'platform.yaml:80: spec.network.podCidrs[0]: "10.244.0.1/16" is not written canonically; write 10.244.0.0/16',
      ]);
    });

    test('accepts canonical public and private blocks outside the cluster', () => {
      const project = scratchProject({ 'vision.yaml': tenantWith('vision', egress('[10.40.0.0/16, 192.0.2.10/32, "2001:db8::/48"]')) });
      try {
        const [tenant] = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants;
        expect(tenant.egressCidrs).toEqual(['10.40.0.0/16', '192.0.2.10/32', '2001:db8::/48']);
      } finally {
        fs.rmSync(project.dir, { recursive: true, force: true });
      }
    });
  });
});

describe('loadConfig: local disk, failure policy and starting deadline', () => {
  /** The fixture platform without the local disk settings it writes out, so that the schema's defaults apply. */
  const withoutEphemeralStorage = (text: string) => text.split('\n').filter((line) => !/^\s*ephemeralStorage:/.test(line)).join('\n');

  test('gives a platform file without local disk settings the documented defaults', () => {
    const project = scratchProject({ 'tiny.yaml': minimalTenant('tiny') });
    const text = fs.readFileSync(project.platformFile, 'utf8');
    expect(text.split('\n').filter((line) => /^\s*ephemeralStorage:/.test(line))).toHaveLength(7);
    fs.writeFileSync(project.platformFile, withoutEphemeralStorage(text));
    const config = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    const spec = config.platform.spec;
    expect(spec.defaults.quota.ephemeralStorage).toBe('200Gi');
    expect([spec.defaults.limits.defaultRequest, spec.defaults.limits.default, spec.defaults.limits.max].map((amounts) => amounts.ephemeralStorage)).toEqual(['1Gi', '4Gi', '500Gi']);
    expect(spec.limits.quota.ephemeralStorage).toBe('1Pi');
    expect(spec.limits.container.ephemeralStorage).toBe('64Ti');
    expect(spec.monitoring.prometheus.ephemeralStorage).toBe('50Gi');
    expect(config.tenants[0].quota.ephemeralStorage).toBe('200Gi');
  });

  test('gives jobs 50Gi and services 10Gi of local disk by default, and no starting deadline or exit codes of its own', () => {
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', `${JOB('')}${SERVICE('')}`) });
    const [tenant] = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants;
    expect(tenant.trainingJobs[0].ephemeralStorage).toBe('50Gi');
    expect(tenant.trainingJobs[0].startingDeadline).toBeUndefined();
    expect(tenant.trainingJobs[0].nonRetryableExitCodes).toBeUndefined();
    expect(tenant.modelServices[0].ephemeralStorage).toBe('10Gi');
  });

  test('resolves a starting deadline and non-retryable exit codes as written', () => {
    const spec = JOB('      schedule: "@daily"\n      startingDeadline: 1h30m\n      nonRetryableExitCodes: [3, 2]\n');
    const project = scratchProject({ 'vision.yaml': tenantWith('vision', spec) });
    const [job] = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }).tenants[0].trainingJobs;
    expect(job.startingDeadline?.toSeconds()).toBe(5400);
    expect(job.nonRetryableExitCodes).toEqual([3, 2]);
  });

  test('fails when a job’s workers need more local disk than the quota, with Kueue off', () => {
    const spec = `  quota:\n    ephemeralStorage: 100Gi\n${JOB('      workers: 3\n      ephemeralStorage: 40Gi\n')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) }, withoutKueue)).toEqual([
      'tenants/vision.yaml:16: spec.trainingJobs[0].ephemeralStorage: its 3 workers need 3 x 40Gi, more than the tenant\'s ephemeralStorage quota of 100Gi; lower it or raise spec.quota.ephemeralStorage',
    ]);
  });

  test('fails when a rollout of a service needs more local disk than the quota, at the default amount, with Kueue off', () => {
    const spec = `  quota:\n    ephemeralStorage: 40Gi\n${SERVICE('      replicas:\n        max: 4\n')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) }, withoutKueue)).toEqual([
      "tenants/vision.yaml:11: spec.modelServices[0].ephemeralStorage: a rollout at its 4 replicas needs 5 x 10Gi (4 + 1 surge replica), more than the tenant's ephemeralStorage quota of 40Gi; lower replicas.max or ephemeralStorage, or raise spec.quota.ephemeralStorage",
    ]);
  });

  test('fails when a workload’s local disk exceeds the tenant’s largest container, or is too small for its logs', () => {
    const spec = `  limits:\n    max:\n      ephemeralStorage: 20Gi\n${JOB('')}${SERVICE('      ephemeralStorage: 10Mi\n')}`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      "tenants/vision.yaml:12: spec.trainingJobs[0].ephemeralStorage: 50Gi exceeds the tenant's largest container (limits.max.ephemeralStorage: 20Gi); lower it or raise spec.limits.max.ephemeralStorage",
      "tenants/vision.yaml:19: spec.modelServices[0].ephemeralStorage: 10Mi is less than 64Mi, the smallest container local disk: the kubelet keeps up to 50Mi of each container's logs and evicts a container over its limit; write at least 64Mi",
    ]);
  });

  test('fails when the local disk LimitRange is inconsistent or the quota exceeds the platform’s bound', () => {
    const spec = '  quota:\n    ephemeralStorage: 2Pi\n  limits:\n    default:\n      ephemeralStorage: 600Gi\n';
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      'tenants/vision.yaml:10: spec.quota.ephemeralStorage: 2Pi exceeds 1Pi, the largest ephemeralStorage quota the platform allows (limits.quota.ephemeralStorage in the platform file); lower it, or ask the platform team to raise that limit',
      'tenants/vision.yaml:13: spec.limits.default.ephemeralStorage: 600Gi exceeds limits.max.ephemeralStorage of 500Gi; lower it or raise the maximum',
    ]);
  });

  test('fails when a starting deadline is set without a schedule, or is under a minute', () => {
    const spec = `${JOB('      startingDeadline: 30m\n')}    - name: nightly\n      image: registry.ml.example.com/vision/trainer:2.4.1\n      gpus: 0\n      schedule: "@daily"\n      startingDeadline: 30s\n`;
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', spec) })).toEqual([
      'tenants/vision.yaml:13: spec.trainingJobs[0].startingDeadline: 30m is set, but the job has no schedule; remove startingDeadline, or add a schedule',
      'tenants/vision.yaml:18: spec.trainingJobs[1].startingDeadline: 30s is shorter than 60s: a run starts seconds after its time, later on a busy control plane, and would be skipped; write at least 1m',
    ]);
  });

  test('fails when a non-retryable exit code is out of range or listed twice', () => {
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      nonRetryableExitCodes: [0, 2, 2, 256]\n')) })).toEqual([
      'tenants/vision.yaml:13: spec.trainingJobs[0].nonRetryableExitCodes[0]: expected a whole number >= 1, got 0',
      'tenants/vision.yaml:13: spec.trainingJobs[0].nonRetryableExitCodes[3]: expected a whole number <= 255, got 256',
    ]);
    expect(problemsOf({ 'vision.yaml': tenantWith('vision', JOB('      nonRetryableExitCodes: [2, 3, 2]\n')) })).toEqual([
      'tenants/vision.yaml:13: spec.trainingJobs[0].nonRetryableExitCodes[2]: 2 is already listed at nonRetryableExitCodes[0]; list each exit code once',
    ]);
  });

  test('fails when the platform gives Prometheus less than 1Gi of local disk', () => {
    const edit = (text: string) => text.replace('    runbookBaseUrl:', '    prometheus:\n      ephemeralStorage: 512Mi\n    runbookBaseUrl:');
    expect(problemsOf({ 'tiny.yaml': minimalTenant('tiny') }, edit)).toEqual([
      "platform.yaml:90: spec.monitoring.prometheus.ephemeralStorage: 512Mi is less than 1Gi, too little for Prometheus's write-ahead log; raise it (the default is 50Gi)",
    ]);
  });
});
