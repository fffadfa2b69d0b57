/**
 * Baseline (c) of the benchmark: `kubectl kustomize` rendering the same
 * manifests from one base and one overlay per tenant, the usual way to
 * stamp out tenants without a program.
 *
 * The base holds the objects of the first tenant. Each overlay names the
 * base and patches (JSON 6902) every field in which its tenant's objects
 * differ: names, namespaces, labels, images, subjects, hosts, address
 * blocks, alert expressions, the dashboard. A top-level kustomization lists
 * the platform's objects and every overlay, so that one `kubectl kustomize`
 * run renders all tenants; or each overlay is rendered by its own run
 * ({@link kustomizeEach}, also a script:
 * `node build/bench/kustomize.js KUBECTL ROOT OUT JOBS`).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { manifestFileName } from '../stacks/synth';
import { KubeObject, ObjectGroup } from '../policy/kube-object';

/** A JSON 6902 operation. */
interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly value?: unknown;
}

/** The kubectl to use: one built from source by scripts/build-tools.sh when there is one, else the one on the PATH. */
export function findKubectl(): string | undefined {
  const cache = path.join(process.env.MLP_TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mlp-tools'));
  const built = fs.existsSync(cache)
    ? fs
        .readdirSync(cache)
        .filter((entry) => entry.startsWith('kubectl-'))
        .sort()
        .map((entry) => path.join(cache, entry, 'bin', 'kubectl'))
        .filter((file) => fs.existsSync(file))
    : [];
  const candidates = [...built.reverse(), '/usr/bin/kubectl', 'kubectl'];
  return candidates.find((candidate) => spawnSync(candidate, ['version', '--client'], { stdio: 'ignore', timeout: 60_000 }).status === 0);
}

/** `kubectl version --client`, on one line. */
export function kubectlVersion(kubectl: string): string {
  return spawnSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).stdout.trim().split('\n').join('; ');
}

/**
 * Writes the base, the overlays and the top-level kustomization below
 * `root` for the platform's objects and the tenants' groups (the first
 * tenant's objects become the base); returns the directory to render.
 * Tenants are taken one at a time, so that all of them need not be in memory.
 */
export function writeKustomizeTree(root: string, platform: ObjectGroup, tenants: Iterable<ObjectGroup>): string {
  fs.rmSync(root, { recursive: true, force: true });
  writeResources(path.join(root, 'platform'), platform.objects);
  let base: ObjectGroup | undefined;
  let baseByKey = new Map<string, KubeObject>();
  const names: string[] = [];
  for (const tenant of tenants) {
    if (!base) {
      base = tenant;
      baseByKey = new Map(base.objects.map((object) => [objectKey(object, tenant.dir, tenant.dir), object]));
      writeResources(path.join(root, 'base'), base.objects);
    }
    const patches = tenant.objects.map((object) => {
      const original = baseByKey.get(objectKey(object, tenant.dir, base!.dir));
      if (!original) throw new Error(`${tenant.dir}: ${object.kind}/${object.metadata.name} has no counterpart in the base tenant ${base!.dir}`);
      return { object: original, operations: diff(original, object, '') };
    });
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../base'],
      patches: patches
        .filter((patch) => patch.operations.length > 0)
        .map(({ object, operations }) => ({ target: { kind: object.kind, name: object.metadata.name }, patch: stringify(operations, { lineWidth: 0 }) })),
    };
    writeFile(path.join(root, 'overlays', tenant.dir, 'kustomization.yaml'), stringify(kustomization, { lineWidth: 0 }));
    names.push(tenant.dir);
  }
  const all = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../platform', ...names.map((name) => `../overlays/${name}`)] };
  writeFile(path.join(root, 'all', 'kustomization.yaml'), stringify(all, { lineWidth: 0 }));
  return path.join(root, 'all');
}

/** An object's kind and name with the tenant's name replaced by the base tenant's, to pair it with its base object. */
function objectKey(object: KubeObject, tenant: string, baseTenant: string): string {
  return `${object.kind}/${object.metadata.name.split(tenant).join(baseTenant)}`;
}

function writeResources(dir: string, objects: readonly KubeObject[]): void {
  const files = objects.map((object) => manifestFileName(object));
  objects.forEach((object, index) => writeFile(path.join(dir, files[index]), stringify(object, { lineWidth: 0 })));
  writeFile(path.join(dir, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }, { lineWidth: 0 }));
}

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The JSON 6902 operations that turn `from` into `to`: per field of maps, per item of lists of equal length. */
function diff(from: unknown, to: unknown, pointer: string): PatchOperation[] {
  if (isMap(from) && isMap(to)) {
    const operations: PatchOperation[] = [];
    for (const key of Object.keys(from)) {
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!(key in to)) operations.push({ op: 'remove', path: child });
      else operations.push(...diff(from[key], to[key], child));
    }
    for (const key of Object.keys(to)) {
      if (!(key in from)) operations.push({ op: 'add', path: `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: to[key] });
    }
    return operations;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((item, index) => diff(item, to[index], `${pointer}/${index}`));
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ op: 'replace', path: pointer, value: to }];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Renders the platform's resources and every overlay below `root` with its
 * own `kubectl kustomize` run, `jobs` at a time, into `<out>/<name>.yaml`;
 * linear in the number of tenants, unlike one run over the top-level
 * kustomization, whose resource accumulation grows faster than linearly.
 */
export async function kustomizeEach(kubectl: string, root: string, out: string, jobs: number): Promise<void> {
  const dirs = [path.join(root, 'platform'), ...fs.readdirSync(path.join(root, 'overlays')).sort().map((name) => path.join(root, 'overlays', name))];
  fs.mkdirSync(out, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const dir = dirs[next++];
      await new Promise<void>((resolve, reject) => {
        const child = spawn(kubectl, ['kustomize', dir, '-o', path.join(out, `${path.basename(dir)}.yaml`)], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += String(chunk)));
        child.on('error', reject);
        child.on('close', (status) => (status === 0 ? resolve() : reject(new Error(`kubectl kustomize ${dir}: ${stderr}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

if (require.main === module) {
  const [kubectl, root, out, jobs] = process.argv.slice(2);
  kustomizeEach(kubectl, root, out, Number(jobs)).catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
