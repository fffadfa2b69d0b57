/**
 * The tenant file's canary and request target, resolved against the platform file: every
 * problem with file, line and field, and the serving reserve that counts the canary.
 */
import * as fs from 'fs';
import { loadConfig } from '../../config/load';
import { ValidationError, formatProblem } from '../../config/problems';
import { synthesizeTenant } from '../../stacks/synth';
import { minimalTenant, scratchProject, withoutKueue } from '../support/fixtures';

function load(tenant: string, editPlatform: (text: string) => string = (text) => text) {
  const project = scratchProject({ 'team.yaml': `${minimalTenant('team')}${tenant}` });
  fs.writeFileSync(project.platformFile, editPlatform(fs.readFileSync(project.platformFile, 'utf8')));
  return loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
}

function problemsOf(tenant: string, editPlatform?: (text: string) => string): string[] {
  try {
    load(tenant, editPlatform);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).replace(/^.*?(tenants\/|platform\.yaml)/, '$1'));
  }
  throw new Error('expected a ValidationError, but the file loaded');
}

const IMAGE = 'registry.ml.example.com/team/chat:1.0.0';
const CANARY = 'registry.ml.example.com/team/chat:1.1.0';
/** A model service `chat` (lines 9-13) with `lines` appended to its entry. */
const chat = (lines: string, name = 'chat') => `  modelServices:\n    - name: ${name}\n      image: ${IMAGE}\n      replicas:\n        max: 6\n${lines}`;
const canary = (lines: string) => `      canary:\n${lines}`;
/** The platform scaling on requests in flight. */
const withRequests = (text: string) => text.replace('  exposure:\n', '  autoscaling:\n    requests:\n      defaultTarget: 4\n  exposure:\n');

describe('canary', () => {
  test('resolves the canary bounds: min 1, max the weight share of the stable max, rounded up', () => {
    const config = load(chat(canary(`        image: ${CANARY}\n        weight: 30\n`)));
    expect(config.tenants[0].modelServices[0].canary).toEqual({ image: CANARY, weight: 30, minReplicas: 1, maxReplicas: 2 });
  });

  test('fails when the weight is not a whole percentage', () => {
    expect(problemsOf(chat(canary(`        image: ${CANARY}\n        weight: 101\n`)))).toEqual([
      'tenants/team.yaml:16: spec.modelServices[0].canary.weight: expected a whole number from 0 to 100 (percent of requests), got 101',
    ]);
    expect(problemsOf(chat(canary(`        image: ${CANARY}\n        weight: 12.5\n`)))).toEqual([
      'tenants/team.yaml:16: spec.modelServices[0].canary.weight: expected a whole number from 0 to 100 (percent of requests), got 12.5',
    ]);
    expect(problemsOf(chat(canary(`        image: ${CANARY}\n        weight: "10"\n`)))).toEqual([
      'tenants/team.yaml:16: spec.modelServices[0].canary.weight: expected a whole number from 0 to 100 (percent of requests), got "10"; write 10 without quotes',
    ]);
  });

  test('fails when the canary image is not from an allowed registry, or not pinned', () => {
    expect(problemsOf(chat(canary('        image: docker.io/team/chat:1.1.0\n        weight: 10\n')))).toEqual([
      'tenants/team.yaml:15: spec.modelServices[0].canary.image: image "docker.io/team/chat:1.1.0" is not from an allowed registry; use one of registry.ml.example.com, ghcr.io/example-org',
    ]);
    expect(problemsOf(chat(canary('        image: registry.ml.example.com/team/chat:latest\n        weight: 10\n')))[0]).toMatch(
      /^tenants\/team\.yaml:15: spec\.modelServices\[0\]\.canary\.image: /,
    );
  });

  test('fails when the canary image is the stable image', () => {
    expect(problemsOf(chat(canary(`        image: ${IMAGE}\n        weight: 10\n`)))).toEqual([
      `tenants/team.yaml:15: spec.modelServices[0].canary.image: "${IMAGE}" is the service's image: a canary of the same image has nothing to compare; give the canary the new image, or, to promote it, remove canary`,
    ]);
  });

  test('fails when the canary bounds are the wrong way round', () => {
    expect(problemsOf(chat(canary(`        image: ${CANARY}\n        weight: 10\n        replicas:\n          min: 3\n          max: 2\n`)))).toEqual([
      'tenants/team.yaml:18: spec.modelServices[0].canary.replicas.min: min 3 exceeds max 2; lower min or raise max',
    ]);
  });

  test('fails when the canary names collide with another workload', () => {
    const other = `    - name: chat-stable\n      image: ${IMAGE}\n`;
    expect(problemsOf(`${chat(canary(`        image: ${CANARY}\n        weight: 10\n`))}${other}`)).toEqual([
      'tenants/team.yaml:17: spec.modelServices[1].name: "chat-stable" is already used by the canary of spec.modelServices[0] (chat); job and service names share the namespace\'s Service names and must be unique',
    ]);
    const first = `  modelServices:\n    - name: chat-canary\n      image: ${IMAGE}\n    - name: chat\n      image: ${IMAGE}\n${canary(`        image: ${CANARY}\n        weight: 10\n`)}`;
    expect(problemsOf(first)).toEqual([
      'tenants/team.yaml:15: spec.modelServices[1].canary: the canary of "chat" needs the names "chat-canary" and "chat-stable", but "chat-canary" is already used by spec.modelServices[0]; rename one of the two workloads',
    ]);
  });

  test('fails when a public service has a canary and the platform exposes services through an Ingress', () => {
    const ingressMode = (text: string) =>
      text.replace('    mode: gateway\n    gateway:\n      name: ml-gateway\n      namespace: gateway-system\n', '    mode: ingress\n    ingress:\n      tls:\n        secretName: wildcard-tls\n');
    const exposed = `      expose:\n        type: ingress\n${canary(`        image: ${CANARY}\n        weight: 10\n`)}`;
    expect(problemsOf(chat(exposed), ingressMode)).toEqual([
      'tenants/team.yaml:17: spec.modelServices[0].canary: the service is public (expose.type: ingress) and the platform exposes public services in mode: ingress, whose Ingress cannot split traffic by weight (exposure.mode in the platform file); ask the platform team to use mode: gateway, make the service internal (expose.type: cluster), or remove canary',
    ]);
  });

  test('allows a canary of an internal service on a platform in mode ingress: its split follows the replica ratio', () => {
    const ingressMode = (text: string) =>
      text.replace('    mode: gateway\n    gateway:\n      name: ml-gateway\n      namespace: gateway-system\n', '    mode: ingress\n    ingress:\n      tls:\n        secretName: wildcard-tls\n');
    const config = load(chat(`      expose:\n        type: cluster\n${canary(`        image: ${CANARY}\n        weight: 10\n`)}`), ingressMode);
    expect(config.platform.spec.exposure.mode).toBe('ingress');
    expect(config.tenants[0].modelServices[0].canary).toEqual({ image: CANARY, weight: 10, minReplicas: 1, maxReplicas: 1 });
    expect(config.tenants[0].modelServices[0].ingress).toBeUndefined();
    const objects = synthesizeTenant(config.platform, config.tenants[0]).objects;
    expect(objects.filter((object) => object.kind === 'Deployment').map((object) => object.metadata.name)).toEqual(['chat', 'chat-canary']);
    expect(objects.filter((object) => object.kind === 'Ingress' || object.kind === 'HTTPRoute')).toEqual([]);
  });

  test('fails without Kueue when the stable track and the canary at their peak exceed the quota', () => {
    const service = `  quota:\n    cpu: "8"\n${chat(`      cpu: "1"\n${canary(`        image: ${CANARY}\n        weight: 10\n        replicas:\n          max: 1\n`)}`)}`;
    // Stable: (6 + 1) x 1 CPU = 7 fits the 8 CPUs; with the canary's (1 + 1) it is 9.
    expect(problemsOf(service, withoutKueue)).toEqual([
      "tenants/team.yaml:21: spec.modelServices[0].canary.replicas.max: 1: the stable track and the canary at their peak need 9 x 1 of cpu ((6 + 1) + (1 + 1) replicas), more than the tenant's cpu quota of 8; lower replicas.max, or raise spec.quota.cpu (the canary does not fit even at canary.replicas.min 1)",
    ]);
  });

  test('fails without Kueue when the DEFAULT canary max exceeds the quota, saying it is the default and how to set it', () => {
    const service = `  quota:\n    cpu: "10"\n${chat(`      cpu: "1"\n${canary(`        image: ${CANARY}\n        weight: 40\n`)}`)}`;
    // Stable: (6 + 1) x 1 CPU = 7 fits the 10 CPUs; the default canary max ceil(6 x 40 / 100) = 3 adds (3 + 1): 11.
    // A canary max of 2 fits: 7 + (2 + 1) = 10.
    expect(problemsOf(service, withoutKueue)).toEqual([
      "tenants/team.yaml:17: spec.modelServices[0].canary.replicas.max: 3, the default (canary.replicas.max is not set: ceil(stable max 6 x weight 40 / 100) = 3, at least canary.replicas.min 1): the stable track and the canary at their peak need 11 x 1 of cpu ((6 + 1) + (3 + 1) replicas), more than the tenant's cpu quota of 10; set canary.replicas.max to 2 or less, lower replicas.max, or raise spec.quota.cpu",
    ]);
  });

  test('adds the canary at its peak to the serving reserve with Kueue', () => {
    const size = '      cpu: "2"\n      memory: 4Gi\n      ephemeralStorage: 10Gi\n      gpus: 1\n      gpuType: l4\n';
    const without = load(chat(size)).tenants[0].queueing!;
    const withCanary = load(chat(`${size}${canary(`        image: ${CANARY}\n        weight: 50\n`)}`)).tenants[0].queueing!;
    // Stable: (6 + 1) replicas; canary: max ceil(6 x 50%) = 3, (3 + 1) replicas; each 1 GPU, 2 CPU, 4Gi, 10Gi.
    expect(without.servingReserve).toEqual({ gpu: 7, cpu: '14', memory: '28Gi', ephemeralStorage: '70Gi' });
    expect(withCanary.servingReserve).toEqual({ gpu: 11, cpu: '22', memory: '44Gi', ephemeralStorage: '110Gi' });
    expect(withCanary.namespaceGpus['nvidia.com/gpu'] - without.namespaceGpus['nvidia.com/gpu']).toBe(4);
  });
});

describe('request autoscaling', () => {
  test('fails when a service sets a request target on a platform that does not scale on requests', () => {
    expect(problemsOf(chat('      targetRequestsPerReplica: 8\n'))).toEqual([
      'tenants/team.yaml:14: spec.modelServices[0].targetRequestsPerReplica: 8 is set, but the platform does not scale on requests (autoscaling.requests in the platform file is not set); remove targetRequestsPerReplica, or ask the platform team to enable autoscaling.requests',
    ]);
  });

  test('takes the platform default target when the service sets none', () => {
    const services = load(`${chat('      targetRequestsPerReplica: 8\n')}    - name: embed\n      image: ${IMAGE}\n`, withRequests).tenants[0].modelServices;
    expect(services.map((service) => service.targetRequestsPerReplica)).toEqual([8, 4]);
  });

  test('fails when a target is not above 0', () => {
    expect(problemsOf(chat('      targetRequestsPerReplica: 0\n'), withRequests)).toEqual([
      'tenants/team.yaml:14: spec.modelServices[0].targetRequestsPerReplica: expected a number of requests above 0, got 0',
    ]);
  });
});
