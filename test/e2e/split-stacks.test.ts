/**
 * One stack per tenant (mlp:part, docs/deploy.md#one-stack-per-tenant) against a real
 * kube-apiserver (with etcd and kube-controller-manager) and the real Pulumi CLI with a
 * local file backend: a platform stack and two tenant stacks of one project. No kubelets
 * run, so every stack sets mlp:skipAwait. The tests run in order and share the stacks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { synthesizeAll } from '../../stacks/synth';
import { KubeObject } from '../../policy/kube-object';
import { ControlPlane, PulumiStack, keepLogs, scratchDir } from '../../devkit/cluster';
import { FIXTURE_PLATFORM_FILE, fixtureTenants, withBatchPriority } from '../support/fixtures';

const CLUSTER = 'e2e-split';
const UP = ['up', '--yes', '--skip-preview'];

/** `kind/namespace/name` of an object. */
const keyOf = (object: { kind: string; metadata: { name: string; namespace?: string } }) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

describe('a platform stack and one stack per tenant on a real API server', () => {
  let dir: string;
  let cluster: ControlPlane;
  let platform: PulumiStack;
  let nlp: PulumiStack;
  let vision: PulumiStack;

  /** The synthesized objects of the project's files, by folder (`_platform`, `nlp`, `vision`). */
  const synthesized = (): Map<string, readonly KubeObject[]> =>
    new Map(synthesizeAll(loadConfig({ platformFile: nlp.platformFile, tenantsDir: nlp.tenantsDir })).map((group) => [group.dir, group.objects]));

  /** uid of every live object of the given kinds (as `Kind.version.group`), by {@link keyOf}. */
  const liveUids = (objects: readonly KubeObject[]): Map<string, string> => {
    const types = [...new Set(objects.map((object) => (object.apiVersion.includes('/') ? `${object.kind}.${object.apiVersion.split('/').reverse().join('.')}` : object.kind)))];
    const items = JSON.parse(cluster.kubectlOk(['get', types.join(','), '-A', '-o', 'json'])).items as any[];
    return new Map(items.map((item) => [keyOf(item), item.metadata.uid as string]));
  };

  /** The names of the Kubernetes resources in a stack's state. */
  const stateNames = (stack: PulumiStack): string[] =>
    ((JSON.parse(stack.pulumiOk(['stack', 'export', '--stack', stack.name])).deployment.resources ?? []) as { urn: string; type: string }[])
      .filter((resource) => resource.type.startsWith('kubernetes:') && !resource.type.startsWith('pulumi:providers:'))
      .map((resource) => resource.urn.split('::').pop()!);

  const output = (result: { stdout: string; stderr: string }) => result.stdout + result.stderr;

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-split-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    const tenants = fixtureTenants();
    nlp = new PulumiStack(path.join(dir, 'project'), 'tenant-nlp', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: true,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: { 'nlp.yaml': tenants['nlp.yaml'], 'vision.yaml': tenants['vision.yaml'] },
      part: 'tenant:nlp',
      clusterIdentifier: CLUSTER,
    });
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'split-stacks');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a tenant stack is refused while the platform stack does not exist (by the engine: unknown stack), and, naming the fix, while it was never deployed', () => {
    // A stack that does not exist fails the StackReference's read in the engine, which stops the update with its own words.
    const missing = nlp.pulumi(UP);
    expect(missing.status).not.toBe(0);
    expect(output(missing)).toContain('pulumi:pulumi:StackReference (platform):\n    error: unknown stack "organization/mlp/platform"');
    expect(stateNames(nlp)).toEqual([]);

    platform = nlp.addStack('platform', { part: 'platform' });
    vision = nlp.addStack('tenant-vision', { part: 'tenant:vision' });
    const neverDeployed = nlp.pulumi(UP);
    expect(neverDeployed.status).not.toBe(0);
    expect(output(neverDeployed)).toContain(
      'mlp: stack tenant-nlp needs the platform of stack platform, which has no "platform" output (never deployed); deploy stack platform first (npx mlp deploy --stack platform). Nothing was changed.',
    );
    expect(cluster.get('namespace', 'nlp')).toBeUndefined();
    expect(stateNames(nlp)).toEqual([]);
  });

  test('the platform stack, then each tenant stack, deploy their own objects only, and preview clean after', () => {
    platform.pulumiOk(UP);
    nlp.pulumiOk(UP);
    vision.pulumiOk(UP);

    const groups = synthesized();
    const fileNames = (dir: string) => groups.get(dir)!.map((object) => `${dir}/${object.kind.toLowerCase()}-${object.metadata.name}`).sort();
    expect(fileNames('_platform').length).toBeGreaterThan(5);
    expect(stateNames(platform).filter((name) => !name.startsWith('_platform/customresourcedefinition-')).sort()).toEqual(fileNames('_platform'));
    expect(stateNames(nlp).sort()).toEqual(fileNames('nlp'));
    expect(stateNames(vision).sort()).toEqual(fileNames('vision'));

    const live = liveUids([...groups.values()].flat());
    const missing = [...groups.values()].flat().map(keyOf).filter((key) => !live.has(key));
    expect(missing).toEqual([]);
    for (const stack of [platform, nlp, vision]) expect({ stack: stack.name, status: stack.pulumi(['preview', '--expect-no-changes']).status }).toEqual({ stack: stack.name, status: 0 });
  });

  test('a platform change not yet deployed refuses a tenant stack\'s pulumi up; its preview warns', () => {
    const original = fs.readFileSync(nlp.platformFile, 'utf8');
    fs.writeFileSync(nlp.platformFile, withBatchPriority(original, 1001));
    try {
      const up = nlp.pulumi(UP);
      expect(up.status).not.toBe(0);
      expect(output(up)).toMatch(
        /mlp: the platform objects of this run \(digest [0-9a-f]{12}\) differ from those stack platform deployed \(digest [0-9a-f]{12}\); deploy stack platform first \(npx mlp deploy --stack platform\), then stack tenant-nlp\. Nothing was changed\./,
      );
      const preview = nlp.pulumi(['preview']);
      expect(preview.status).toBe(0);
      expect(output(preview)).toMatch(/mlp: the platform objects of this run \(digest [0-9a-f]{12}\) differ .*; `pulumi up` of this stack is refused until then/);
    } finally {
      fs.writeFileSync(nlp.platformFile, original);
    }
    expect(nlp.pulumi(['preview', '--expect-no-changes']).status).toBe(0);
  });

  test('a tenant stack whose file is deleted is refused, and its namespace stays', () => {
    const saved = vision.readTenant('vision.yaml');
    vision.removeTenant('vision.yaml');
    try {
      const up = vision.pulumi(UP);
      expect(up.status).not.toBe(0);
      expect(output(up)).toContain('refusing to update stack tenant-vision: it would delete tenants that are not being decommissioned. Nothing was changed.');
      expect(output(up)).toContain('3. remove the stack (pulumi stack rm --force tenant-vision) and "vision" from mlp:decommission.');
    } finally {
      vision.writeTenant('vision.yaml', saved);
    }
    expect(cluster.get('namespace', 'vision')).toBeDefined();
    expect(stateNames(vision).length).toBe(synthesized().get('vision')!.length);
  });

  test('the decommission procedure of a tenant stack deletes exactly that tenant\'s objects, nothing of the platform or another tenant stack', async () => {
    const groups = synthesized();
    const kept = [...groups.get('_platform')!, ...groups.get('nlp')!];
    const before = liveUids([...groups.values()].flat());
    const keptUids = new Map(kept.map((object) => [keyOf(object), before.get(keyOf(object))]));
    expect([...keptUids.values()].filter((uid) => uid === undefined)).toEqual([]);
    expect(groups.get('vision')!.filter((object) => !before.has(keyOf(object)))).toEqual([]);

    // Step 1: the environment's settings list the tenant (every stack reads the same settings); its stack unprotects it.
    for (const stack of [platform, nlp, vision]) stack.setConfigList('mlp:decommission', ['vision']);
    vision.pulumiOk(UP);
    const protectedNames = (JSON.parse(vision.pulumiOk(['stack', 'export', '--stack', vision.name])).deployment.resources as { urn: string; protect?: boolean }[])
      .filter((resource) => resource.protect === true)
      .map((resource) => resource.urn);
    expect(protectedNames).toEqual([]);
    expect(cluster.get('namespace', 'vision')).toBeDefined();
    for (const stack of [platform, nlp]) expect({ stack: stack.name, status: stack.pulumi(['preview', '--expect-no-changes']).status }).toEqual({ stack: stack.name, status: 0 });

    // Step 2: the file goes; the stack deletes the tenant.
    vision.removeTenant('vision.yaml');
    vision.pulumiOk(UP);
    await cluster.waitFor('namespace vision to be gone', () => cluster.get('namespace', 'vision') === undefined);
    const after = liveUids([...groups.values()].flat());
    expect(groups.get('vision')!.map(keyOf).filter((key) => after.has(key))).toEqual([]);
    expect(new Map(kept.map((object) => [keyOf(object), after.get(keyOf(object))]))).toEqual(keptUids);
    expect(stateNames(vision)).toEqual([]);

    // Step 3: the stack holds nothing of the cluster; plain `stack rm` still refuses it (its root Stack resource), --force removes it.
    const remaining = (JSON.parse(vision.pulumiOk(['stack', 'export', '--stack', vision.name])).deployment.resources as { type: string }[]).map((resource) => resource.type);
    expect(remaining).toEqual(['pulumi:pulumi:Stack', 'pulumi:providers:pulumi', 'pulumi:pulumi:StackReference']);
    expect(vision.pulumi(['stack', 'rm', vision.name, '--yes']).status).not.toBe(0);
    vision.pulumiOk(['stack', 'rm', vision.name, '--yes', '--force']);
    for (const stack of [platform, nlp]) stack.setConfigList('mlp:decommission', []);
    const stacks = JSON.parse(platform.pulumiOk(['stack', 'ls', '--json'])).map((stack: { name: string }) => stack.name).sort();
    expect(stacks).toEqual(['platform', 'tenant-nlp']);
    for (const stack of [platform, nlp]) expect({ stack: stack.name, status: stack.pulumi(['preview', '--expect-no-changes']).status }).toEqual({ stack: stack.name, status: 0 });
    expect(new Map(kept.map((object) => [keyOf(object), liveUids(kept).get(keyOf(object))]))).toEqual(keptUids);
  });
});
