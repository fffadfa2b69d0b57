/**
 * A model service with a canary on a platform that scales on requests, applied to the real
 * kube-apiserver with the platform CRDs installed first (KEDA's ScaledObject, Gateway API):
 * the API server accepts the ScaledObjects of both tracks as synthesized (no HPA of ours: KEDA
 * creates it), the canary track's Deployment, Service and PDB, the stable Service, and the
 * HTTPRoute with its weighted backends. KEDA's operator does not run: this shows acceptance by
 * the API server and the CRD's schema, not KEDA's scaling.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { runMlp } from '../support/cli';
import { FIXTURE_PLATFORM_FILE, minimalTenant } from '../support/fixtures';

const TENANT = `${minimalTenant('team')}  modelServices:
    - name: chat
      image: registry.ml.example.com/team/chat:1.0.0
      replicas:
        min: 2
        max: 6
      targetRequestsPerReplica: 8
      expose:
        type: ingress
      canary:
        image: registry.ml.example.com/team/chat:1.1.0
        weight: 10
`;

describe('a canary and request autoscaling on the API server', () => {
  let dir: string;
  let cluster: ControlPlane;
  /** The tenant's objects as synthesized, from dist/team/. */
  let synthesized: any[];

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-serving-tracks-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'tenants'), { recursive: true });
    const platform = fs.readFileSync(FIXTURE_PLATFORM_FILE, 'utf8');
    if (!platform.includes('  exposure:\n')) throw new Error('the fixture platform file has no exposure section');
    fs.writeFileSync(path.join(project, 'platform.yaml'), platform.replace('  exposure:\n', '  autoscaling:\n    requests:\n      defaultTarget: 4\n  exposure:\n'));
    fs.writeFileSync(path.join(project, 'tenants', 'team.yaml'), TENANT);
    const synth = runMlp(project, 'synth', '--out', 'dist');
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });
    const folder = path.join(project, 'dist', 'team');
    synthesized = fs.readdirSync(folder).map((file) => parse(fs.readFileSync(path.join(folder, file), 'utf8')));

    await cluster.applyPlatformCrds();
    cluster.applyDist(path.join(project, 'dist'), ['team']);
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'serving-tracks');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const synthesizedObject = (kind: string, name: string) => {
    const matching = synthesized.filter((object) => object.kind === kind && object.metadata.name === name);
    expect(matching).toHaveLength(1);
    return matching[0];
  };

  test('stores the ScaledObject of each track as synthesized, and no HorizontalPodAutoscaler of ours', () => {
    const names = synthesized.filter((object) => object.kind === 'ScaledObject').map((object) => object.metadata.name);
    expect(names.sort()).toEqual(['chat', 'chat-canary']);
    for (const name of names) {
      const stored = cluster.get('scaledobjects.keda.sh', name, 'team');
      expect(stored.spec).toEqual(synthesizedObject('ScaledObject', name).spec);
    }
    expect(cluster.get('scaledobjects.keda.sh', 'chat', 'team').spec.triggers.map((trigger: any) => trigger.type)).toEqual(['prometheus', 'cpu']);
    expect(JSON.parse(cluster.kubectlOk(['get', 'horizontalpodautoscalers', '-n', 'team', '-o', 'json'])).items).toEqual([]);
  });

  test('stores both Deployments with disjoint selectors, the canary with its image, and leaves replicas to the autoscaler', () => {
    const stable = cluster.get('deployment', 'chat', 'team');
    const canary = cluster.get('deployment', 'chat-canary', 'team');
    expect(stable.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' });
    expect(canary.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'canary' });
    expect(canary.spec.template.spec.containers[0].image).toBe('registry.ml.example.com/team/chat:1.1.0');
    // Unset in the manifests, the API server defaults replicas to 1 at creation; KEDA's HPA scales from there.
    expect(synthesizedObject('Deployment', 'chat').spec.replicas).toBeUndefined();
    expect(synthesizedObject('Deployment', 'chat-canary').spec.replicas).toBeUndefined();
  });

  test('stores the route with its weighted backends and the Services they name', () => {
    const route = cluster.get('httproutes.gateway.networking.k8s.io', 'chat', 'team');
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0].backendRefs.map((backend: any) => [backend.name, backend.weight])).toEqual([
      ['chat-stable', 90],
      ['chat-canary', 10],
    ]);
    expect(['chat', 'chat-stable', 'chat-canary'].map((name) => cluster.get('service', name, 'team')?.spec.selector)).toEqual([
      { 'app.kubernetes.io/name': 'chat' },
      { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' },
      { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'canary' },
    ]);
    expect(cluster.get('poddisruptionbudget', 'chat-canary', 'team').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'chat',
      'app.kubernetes.io/component': 'canary',
    });
  });

  test('the admission policy keeps ScaledObjects the platform\'s, but lets KEDA add its label and finalizer', async () => {
    // An identity like KEDA's operator, outside the platform's deployers, with the right to update ScaledObjects.
    const keda = cluster.user('keda-operator');
    cluster.kubectlOk(['create', 'clusterrole', 'keda-scaledobjects', '--verb=get,list,update,patch,delete', '--resource=scaledobjects.keda.sh']);
    cluster.kubectlOk(['create', 'clusterrolebinding', 'keda-scaledobjects', '--clusterrole=keda-scaledobjects', '--user=keda-operator']);
    const asKeda = (args: string[]) => cluster.kubectl(['-n', 'team', ...args], keda);
    const managed = 'ScaledObject chat is managed by the platform (app.kubernetes.io/managed-by=mlp): change tenants/team.yaml and let the platform deploy it';
    // The API server loads new policies in the background: wait until the spec change is refused (RBAC allows it).
    await cluster.waitFor('the managed-objects policy to refuse a ScaledObject change', () =>
      asKeda(['patch', 'scaledobject', 'chat', '--type=merge', '-p', '{"spec":{"maxReplicaCount":50}}']).stderr.includes(managed),
    );
    const stored = () => cluster.get('scaledobjects.keda.sh', 'chat', 'team');
    const specBefore = stored().spec;

    // What KEDA's operator writes (ensureScaledObjectLabel, ensureFinalizer, and the finalizer's removal on deletion).
    for (const args of [
      ['label', 'scaledobject', 'chat', 'scaledobject.keda.sh/name=chat'],
      ['patch', 'scaledobject', 'chat', '--type=merge', '-p', '{"metadata":{"finalizers":["finalizer.keda.sh"]}}'],
      ['patch', 'scaledobject', 'chat', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'],
    ]) {
      const result = asKeda(args);
      // (The API server warns that KEDA's finalizer name has no path; a warning, not a refusal.)
      const stderr = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('Warning: metadata.finalizers: "finalizer.keda.sh": '));
      expect({ args, status: result.status, stderr }).toEqual({ args, status: 0, stderr: [] });
    }
    expect(stored().metadata.labels['scaledobject.keda.sh/name']).toBe('chat');

    // Anything else stays refused: the spec, another label or value, another finalizer, an annotation, deletion.
    const refused = [
      ['patch', 'scaledobject', 'chat', '--type=merge', '-p', '{"spec":{"minReplicaCount":0}}'],
      ['label', '--overwrite', 'scaledobject', 'chat', 'scaledobject.keda.sh/name=other'],
      ['label', 'scaledobject', 'chat', 'team=a'],
      ['label', 'scaledobject', 'chat', 'app.kubernetes.io/managed-by-'],
      ['patch', 'scaledobject', 'chat', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}'],
      ['annotate', 'scaledobject', 'chat', 'autoscaling.keda.sh/paused=true'],
      ['delete', 'scaledobject', 'chat'],
    ];
    expect(refused).toHaveLength(7);
    for (const args of refused) {
      const result = asKeda(args);
      expect({ args, status: result.status, refused: result.stderr.includes(managed) }).toEqual({ args, status: 1, refused: true });
    }
    expect(stored().spec).toEqual(specBefore);
    expect(stored().metadata.labels['app.kubernetes.io/managed-by']).toBe('mlp');
  });
});
