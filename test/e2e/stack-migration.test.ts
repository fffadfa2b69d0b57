/**
 * Moving a single stack to the platform stack and one stack per tenant
 * (`mlp split-stack`, docs/deploy.md#moving-from-one-stack-to-many), against a
 * real kube-apiserver with etcd and the real Pulumi CLI: two fixture tenants,
 * one with a checkpoint volume, deployed in one stack, then split. No object
 * may be recreated (every metadata.uid stays), protection stays on namespaces
 * and checkpoint claims, every new stack previews and updates with no change,
 * and a second run changes nothing. The tests run in order and share the stacks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane, PulumiStack, keepLogs, scratchDir } from '../../devkit/cluster';
import { REPO_ROOT } from '../../devkit/repo-root';
import { run } from '../../devkit/tools';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';

const OLD = 'single';
const TENANTS = ['analytics', 'nlp'];
const NEW_STACKS = ['platform', 'tenant-analytics', 'tenant-nlp'];
/** A split runs a preview of the old stack, then a preview and an update of each new stack: minutes on a loaded 2-core machine. */
const SPLIT_TIMEOUT_MS = 1_200_000;

interface Exported {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly protect?: boolean;
}

describe('splitting a single stack into the platform stack and a stack per tenant', () => {
  let dir: string;
  let workDir: string;
  let cluster: ControlPlane;
  let stack: PulumiStack;
  let settingsFile: string;
  /** metadata.uid of every object the single stack deployed, read from the cluster before the split. */
  let uidsBefore: Map<string, string>;
  let objectTypes: string[];
  /** The objects of the single stack before the split, as `<type> <namespace>/<name>`. */
  const objectKeys = new Set<string>();
  let runs = 0;

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-split-');
    workDir = path.join(dir, 'work');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    stack = new PulumiStack(path.join(dir, 'project'), OLD, {
      kubeconfig: cluster.kubeconfig,
      skipAwait: true,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: Object.fromEntries(TENANTS.map((tenant) => [`${tenant}.yaml`, fs.readFileSync(path.join(FIXTURE_TENANTS_DIR, `${tenant}.yaml`), 'utf8')])),
    });
    settingsFile = path.join(dir, 'project', `Pulumi.${OLD}.yaml`);
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    const objects = exported(OLD).filter((resource) => resource.type.startsWith('kubernetes:'));
    objectTypes = [...new Set(objects.map((resource) => resource.type))];
    // The provider's id of an object is `<namespace>/<name>`, or `<name>` for a cluster-scoped one.
    for (const object of objects) objectKeys.add(`${object.type} ${object.id!.includes('/') ? object.id : `/${object.id}`}`);
    uidsBefore = liveUids();
    // Every object the stack deployed is found in the cluster.
    expect(uidsBefore.size).toBe(objects.length);
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'stack-migration');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** `pulumi stack export` of a stack: its resources. */
  const exported = (name: string): Exported[] => JSON.parse(stack.pulumiOk(['stack', 'export', '--stack', name])).deployment.resources ?? [];

  /** `mlp split-stack` from the project directory, with the stack's backend; its output is kept in split-<n>.log. */
  const split = () => {
    const args = [path.join(REPO_ROOT, 'bin', 'mlp.js'), 'split-stack', '--from', OLD, '--config-file', settingsFile, '--work-dir', workDir];
    const result = run('node', args, { env: stack.command([]).env, timeoutMs: 900_000 });
    runs += 1;
    fs.writeFileSync(path.join(dir, `split-${runs}.log`), `node ${args.join(' ')}\nexit ${result.status ?? result.signal}\n---- stdout\n${result.stdout}\n---- stderr\n${result.stderr}\n`);
    return result;
  };

  /** A pulumi command on a new stack, in its folder of the work directory (where split-stack wrote its configuration). */
  const inStackFolder = (name: string, args: readonly string[]) => {
    const result = run('pulumi', [...args, '--stack', name, '--non-interactive'], { cwd: path.join(workDir, name), env: stack.command([]).env, timeoutMs: 600_000 });
    fs.appendFileSync(path.join(dir, 'new-stacks.log'), `==== pulumi ${args.join(' ')} --stack ${name}: exit ${result.status}\n${result.stdout}\n${result.stderr}\n`);
    return result;
  };

  /** metadata.uid of every object of the deployed types, by `<type> <namespace>/<name>`. */
  const liveUids = (): Map<string, string> => {
    const uids = new Map<string, string>();
    for (const type of objectTypes) {
      const [, groupVersion, kind] = /^kubernetes:(.+):([A-Za-z]+)$/.exec(type)!;
      const [group, version] = groupVersion.startsWith('core/') ? ['', groupVersion.slice('core/'.length)] : groupVersion.split('/');
      const resource = group === '' ? kind : `${kind}.${version}.${group}`;
      for (const item of JSON.parse(cluster.kubectlOk(['get', resource, '--all-namespaces', '-o', 'json'])).items) {
        const key = `${type} ${item.metadata.namespace ?? ''}/${item.metadata.name}`;
        if (objectKeys.has(key)) uids.set(key, item.metadata.uid);
      }
    }
    return uids;
  };

  test('refuses, moving nothing, while the settings file does not set the old stack\'s clusterIdentifier', () => {
    const result = split();
    expect(result.stdout).toContain(
      `  - ${settingsFile}: mlp:clusterIdentifier is not set; set it to the old stack's identifier, \`mlp:clusterIdentifier: mlp-${OLD}\`: ` +
        'every new stack builds its Kubernetes provider from the settings file, and a provider whose identifier changes is replaced ' +
        'together with every object in the stack (deleted and created again; the protected ones refused)\n',
    );
    expect(result.stdout).toContain('mlp split-stack: refused, nothing was moved:\n');
    expect(result.status).toBe(1);
    const stacks = JSON.parse(stack.pulumiOk(['stack', 'ls', '--json'])).map((entry: { name: string }) => entry.name);
    expect(stacks).toEqual([OLD]);
  });

  test('moves every tenant and then the platform, recreating no object and keeping protection', () => {
    stack.setConfig({ 'mlp:clusterIdentifier': `mlp-${OLD}` });
    const protectedBefore = exported(OLD).filter((resource) => resource.protect).map((resource) => resource.urn.split('::').pop()).sort();
    expect(protectedBefore).toEqual(['analytics/namespace-analytics', 'nlp/namespace-nlp', 'nlp/persistentvolumeclaim-chat-finetune-checkpoints']);

    const result = split();
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^mlp split-stack: tenant analytics: moved \d+ resources to stack tenant-analytics$/m);
    expect(result.stdout).toMatch(/^mlp split-stack: tenant nlp: moved \d+ resources to stack tenant-nlp$/m);
    expect(result.stdout).toMatch(/^mlp split-stack: the platform: moved \d+ resources to stack platform$/m);
    expect(result.stdout).toMatch(/^mlp split-stack: after pulumi up: \d+ objects in 3 stacks, each with its id and metadata\.uid; 3 protected, as before$/m);
    expect(result.stdout).toContain(`pulumi stack rm ${OLD} --force --preserve-config --yes`);

    // No object was recreated.
    expect(liveUids()).toEqual(uidsBefore);
    // Protection is where it was, in the new stacks.
    const protectedIn = (name: string) => exported(name).filter((resource) => resource.protect).map((resource) => resource.urn.split('::').pop()).sort();
    expect(protectedIn('tenant-nlp')).toEqual(['nlp/namespace-nlp', 'nlp/persistentvolumeclaim-chat-finetune-checkpoints']);
    expect(protectedIn('tenant-analytics')).toEqual(['analytics/namespace-analytics']);
    expect(protectedIn('platform')).toEqual([]);
    // Every object is in exactly one new stack, and none is left in the old one.
    const objectsIn = (name: string) => exported(name).filter((resource) => resource.type.startsWith('kubernetes:')).map((resource) => `${resource.type} ${resource.id}`);
    const moved = NEW_STACKS.flatMap(objectsIn);
    expect(new Set(moved).size).toBe(moved.length);
    expect(moved.length).toBe(uidsBefore.size);
    expect(objectsIn(OLD)).toEqual([]);
    expect(exported(OLD).map((resource) => resource.type).sort()).toEqual(['pulumi:providers:kubernetes', 'pulumi:providers:pulumi', 'pulumi:pulumi:Stack', 'pulumi:pulumi:StackReference']);
  }, SPLIT_TIMEOUT_MS);

  test('every new stack previews with no changes, and pulumi up of a tenant stack changes nothing', () => {
    for (const name of NEW_STACKS) {
      const preview = inStackFolder(name, ['preview', '--expect-no-changes']);
      expect(preview.stderr).not.toMatch(/error/i);
      expect(preview.status).toBe(0);
    }
    const up = inStackFolder('tenant-nlp', ['up', '--yes', '--expect-no-changes', '--skip-preview']);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/^ {4}\d+ unchanged$/m);
    expect(liveUids()).toEqual(uidsBefore);
  }, SPLIT_TIMEOUT_MS);

  test('running the split again changes nothing', () => {
    const states = () => [OLD, ...NEW_STACKS].map((name) => exported(name).map((resource) => `${resource.urn} ${resource.id ?? ''} ${resource.protect ?? false}`).sort());
    const before = states();
    const result = split();
    expect(result.status).toBe(0);
    for (const [label, name] of [['tenant analytics', 'tenant-analytics'], ['tenant nlp', 'tenant-nlp'], ['the platform', 'platform']]) {
      expect(result.stdout).toContain(`mlp split-stack: ${label}: already in stack ${name}, skipped\n`);
    }
    expect(result.stdout).not.toMatch(/: moved \d+ resources/);
    expect(states()).toEqual(before);
    expect(liveUids()).toEqual(uidsBefore);
  }, SPLIT_TIMEOUT_MS);
});
