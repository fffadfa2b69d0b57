import * as fs from 'fs';
import * as path from 'path';
import { git, runMlp, runMlpAsync } from '../support/cli';
import { fakePulumi } from '../support/fake-pulumi';
import { minimalTenant, scratchProject } from '../support/fixtures';

// Each test synthesizes a project and runs git and mlp several times: seconds on a loaded machine, more than jest's default 5 s.
jest.setTimeout(60_000);

const withQuotaCpu = (name: string, cpu: string) => `${minimalTenant(name)}  quota:\n    cpu: "${cpu}"\n`;

/** A committed project: the fixture platform file, tenants alpha, beta and gamma, and the dist/ that mlp synth wrote. */
function committedProject(options: { dist?: boolean } = {}): ReturnType<typeof scratchProject> {
  const project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': withQuotaCpu('beta', '8'), 'gamma.yaml': minimalTenant('gamma') });
  if (options.dist ?? true) {
    const synth = runMlp(project.dir, 'synth');
    if (synth.status !== 0) throw new Error(`mlp synth exited ${synth.status}: ${synth.stderr}`);
  }
  git(project.dir, 'init', '--quiet');
  git(project.dir, 'add', '.');
  git(project.dir, 'commit', '--quiet', '-m', 'project');
  return project;
}

function editFile(file: string, edit: (text: string) => string): void {
  const text = fs.readFileSync(file, 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error(`the edit changed nothing in ${file}`);
  fs.writeFileSync(file, edited);
}

/** The stacks `mlp affected --format json` lists, after checking that it succeeded and wrote one line of JSON. */
function affectedJson(dir: string, ...args: string[]): string[] {
  const result = runMlp(dir, 'affected', '--format', 'json', ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout.split('\n')).toHaveLength(2);
  const parsed = JSON.parse(result.stdout) as { version: number; stacks: string[] };
  expect(Object.keys(parsed)).toEqual(['version', 'stacks']);
  expect(parsed.version).toBe(1);
  return parsed.stacks;
}

/** `mlp affected` in text, one array of columns per line (columns are two or more spaces apart). */
function affectedText(dir: string, ...args: string[]): string[][] {
  const result = runMlp(dir, 'affected', ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/ {2,}/));
}

const ALL_STACKS = ['platform', 'tenant-alpha', 'tenant-beta', 'tenant-gamma'];

describe('mlp affected', () => {
  let project: ReturnType<typeof scratchProject>;
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  describe('with dist/ committed at the base', () => {
    beforeEach(() => {
      project = committedProject();
    });

    test('lists no stack for an unchanged work tree', () => {
      expect(runMlp(project.dir, 'affected', '--base', 'HEAD')).toEqual({ status: 0, stdout: 'no stack is affected\n', stderr: '' });
      expect(runMlp(project.dir, 'affected', '--format', 'json')).toEqual({ status: 0, stdout: '{"version":1,"stacks":[]}\n', stderr: '' });
    });

    test("lists exactly the tenant's stack when one tenant's quota changes", () => {
      fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withQuotaCpu('beta', '12'));

      expect(runMlp(project.dir, 'affected', '--base', 'HEAD', '--format', 'json')).toEqual({ status: 0, stdout: '{"version":1,"stacks":["tenant-beta"]}\n', stderr: '' });
      // With Kueue (the fixture platform's queueing) the tenant's ClusterQueue carries the guarantee; both are in dist/beta/.
      expect(affectedText(project.dir, '--base', 'HEAD')).toEqual([['tenant-beta', '2 objects changed: clusterqueue-beta.yaml, resourcequota-tenant-quota.yaml']]);
    });

    test('lists no stack when only prices in the platform file change', () => {
      editFile(project.platformFile, (text) => text.replace('cpuCoreHour: 0.035', 'cpuCoreHour: 0.05').replace('hourlyPrice: 4.5', 'hourlyPrice: 5.25'));

      expect(affectedJson(project.dir, '--base', 'HEAD')).toEqual([]);
      expect(runMlp(project.dir, 'affected').stdout).toBe('no stack is affected\n');
    });

    test('lists the platform stack when a platform object changes', () => {
      editFile(project.platformFile, (text) => text.replace('nvidia.com/gpu.product: NVIDIA-L4', 'nvidia.com/gpu.product: NVIDIA-L4-24GB'));

      expect(affectedJson(project.dir)).toEqual(['platform']);
      expect(affectedText(project.dir)).toEqual([['platform', '1 object changed: resourceflavor-l4.yaml']]);
    });

    test("lists a new tenant's stack and a removed tenant's stack", () => {
      fs.writeFileSync(path.join(project.tenantsDir, 'delta.yaml'), minimalTenant('delta'));
      fs.rmSync(path.join(project.tenantsDir, 'alpha.yaml'));
      const alphaFiles = fs.readdirSync(path.join(project.dir, 'dist', 'alpha')).length;
      expect(alphaFiles).toBeGreaterThan(1);

      expect(affectedJson(project.dir)).toEqual(['tenant-alpha', 'tenant-delta']);
      // A minimal tenant's folder has as many objects as alpha's (the same file, another name).
      expect(affectedText(project.dir)).toEqual([
        ['tenant-alpha', `${alphaFiles} objects removed (dist/alpha/ is gone)`],
        ['tenant-delta', `${alphaFiles} objects added (dist/delta/ is new)`],
      ]);
    });

    test('lists every stack on either side when a file of the Pulumi program changes', () => {
      const program = path.join(project.dir, 'stacks', 'pulumi');
      fs.mkdirSync(program, { recursive: true });
      fs.writeFileSync(path.join(program, 'index.ts'), 'export {};\n');
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'program');
      expect(affectedJson(project.dir)).toEqual([]);

      fs.writeFileSync(path.join(program, 'index.ts'), 'export const changed = true;\n');
      fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml')); // gamma's stack exists at the base: it runs the program too
      expect(affectedJson(project.dir)).toEqual(ALL_STACKS);
      const reason = 'the Pulumi program differs from HEAD: stacks/pulumi/index.ts';
      expect(affectedText(project.dir)).toEqual(ALL_STACKS.map((stack) => [stack, reason]));
    });

    test('counts a new, untracked file of the program as a change', () => {
      fs.mkdirSync(path.join(project.dir, 'stacks', 'pulumi'), { recursive: true });
      fs.writeFileSync(path.join(project.dir, 'stacks', 'pulumi', 'extra.ts'), 'export {};\n');

      expect(affectedText(project.dir)).toEqual(ALL_STACKS.map((stack) => [stack, 'the Pulumi program differs from HEAD: stacks/pulumi/extra.ts']));
    });

    test('lists every stack when Pulumi.yaml or the Pulumi packages in package-lock.json change', () => {
      const lock = (pulumi: string) => JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/@pulumi/pulumi': { version: pulumi }, 'node_modules/@pulumi/kubernetes': { version: '4.25.0' } } });
      fs.writeFileSync(path.join(project.dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\n');
      fs.writeFileSync(path.join(project.dir, 'package-lock.json'), lock('3.276.0'));
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'Pulumi project');
      expect(affectedJson(project.dir)).toEqual([]);

      fs.writeFileSync(path.join(project.dir, 'package-lock.json'), lock('3.277.0'));
      expect(affectedText(project.dir)).toEqual(ALL_STACKS.map((stack) => [stack, '@pulumi/pulumi 3.276.0 → 3.277.0 in package-lock.json']));

      fs.writeFileSync(path.join(project.dir, 'package-lock.json'), lock('3.276.0'));
      fs.writeFileSync(path.join(project.dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\ndescription: changed\n');
      expect(affectedText(project.dir)).toEqual(ALL_STACKS.map((stack) => [stack, 'the Pulumi program differs from HEAD: Pulumi.yaml']));
    });

    test('ignores a folder of notes that the user keeps in dist/', () => {
      fs.mkdirSync(path.join(project.dir, 'dist', 'notes'));
      fs.writeFileSync(path.join(project.dir, 'dist', 'notes', 'README.md'), 'Our notes.\n');
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'notes');

      expect(affectedJson(project.dir)).toEqual([]);
    });

    test('compares with the revision given, not only HEAD', () => {
      fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withQuotaCpu('beta', '12'));
      expect(runMlp(project.dir, 'synth').status).toBe(0);
      git(project.dir, 'commit', '--quiet', '-am', 'beta quota');

      expect(affectedJson(project.dir, '--base', 'HEAD')).toEqual([]);
      expect(affectedJson(project.dir, '--base', 'HEAD~1')).toEqual(['tenant-beta']);
    });

    test('fails when the base names no commit, naming the fix', () => {
      const result = runMlp(project.dir, 'affected', '--base', 'no-such-branch');

      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `mlp: 1 problem found\n${fs.realpathSync(project.dir)}: --base no-such-branch: no such commit in the repository; name a branch, tag or commit (e.g. HEAD, origin/main)\n`,
      );
    });

    test('--shards N adds the stacks grouped into at most N shards for the preview matrix, the platform alone first', () => {
      editFile(project.platformFile, (text) => text.replace('cpuCoreHour: 0.035', 'cpuCoreHour: 0.05'));
      fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withQuotaCpu('beta', '12'));
      fs.writeFileSync(path.join(project.tenantsDir, 'delta.yaml'), minimalTenant('delta'));
      fs.writeFileSync(path.join(project.tenantsDir, 'epsilon.yaml'), minimalTenant('epsilon'));
      expect(runMlp(project.dir, 'affected', '--format', 'json', '--shards', '2')).toEqual({
        status: 0,
        stdout: '{"version":1,"stacks":["tenant-beta","tenant-delta","tenant-epsilon"],"shards":[{"index":1,"stacks":["tenant-beta","tenant-delta"]},{"index":2,"stacks":["tenant-epsilon"]}]}\n',
        stderr: '',
      });
      const program = path.join(project.dir, 'Pulumi.yaml');
      fs.writeFileSync(program, 'name: mlp\n');
      const all = JSON.parse(runMlp(project.dir, 'affected', '--format', 'json', '--shards', '3').stdout) as { stacks: string[]; shards: unknown };
      expect(all.shards).toEqual([
        { index: 1, stacks: ['platform'] },
        { index: 2, stacks: ['tenant-alpha', 'tenant-beta', 'tenant-delta'] },
        { index: 3, stacks: ['tenant-epsilon', 'tenant-gamma'] },
      ]);
      expect(runMlp(project.dir, 'affected', '--format', 'json', '--shards', '0')).toEqual({ status: 2, stdout: '', stderr: 'mlp: --shards 0: expected a whole number >= 1; see `mlp affected --help`\n' });
      expect(runMlp(project.dir, 'affected', '--shards', '8')).toEqual({ status: 2, stdout: '', stderr: 'mlp: --shards goes with --format json; see `mlp affected --help`\n' });
    });

    test('fails on an unknown format with the usage status', () => {
      expect(runMlp(project.dir, 'affected', '--format', 'yaml')).toEqual({
        status: 2,
        stdout: '',
        stderr: 'mlp: --format yaml: expected one of text, json; see `mlp affected --help`\n',
      });
    });
  });

  describe('--config-file: changes of the settings file', () => {
    const SETTINGS = 'config:\n  mlp:tenantsDir: tenants\n  mlp:crdFiles:\n    - crds/a.yaml\n  mlp:decommission:\n    - old\n';
    const settings = () => path.join(project.dir, 'Pulumi.prod.yaml');
    beforeEach(() => {
      project = committedProject();
      fs.mkdirSync(path.join(project.dir, 'crds'));
      fs.writeFileSync(path.join(project.dir, 'crds', 'a.yaml'), 'kind: CustomResourceDefinition\n');
      fs.writeFileSync(settings(), SETTINGS);
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'settings');
    });

    test('without --config-file, a changed settings file affects no stack (as before)', () => {
      editFile(settings(), (text) => text.replace('mlp:tenantsDir: tenants', 'mlp:tenantsDir: tenants\n  mlp:kubeconfig: other'));
      expect(affectedJson(project.dir)).toEqual([]);
    });

    test("an mlp:decommission entry added or removed affects that tenant's stack", () => {
      editFile(settings(), (text) => text.replace('    - old\n', '    - beta\n'));
      expect(affectedText(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual([
        ['tenant-beta', 'settings file Pulumi.prod.yaml: mlp:decommission lists beta (added since HEAD)'],
        ['tenant-old', 'settings file Pulumi.prod.yaml: mlp:decommission no longer lists old (removed since HEAD)'],
      ]);
      expect(affectedJson(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual(['tenant-beta', 'tenant-old']);
    });

    test('the mlp:crdFiles list, or the contents of a file it lists, affects the platform stack', () => {
      fs.appendFileSync(path.join(project.dir, 'crds', 'a.yaml'), 'metadata: {}\n');
      expect(affectedText(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual([['platform', 'settings file Pulumi.prod.yaml: mlp:crdFiles file crds/a.yaml changed since HEAD']]);
      git(project.dir, 'commit', '--quiet', '-am', 'crd');
      editFile(settings(), (text) => text.replace('    - crds/a.yaml\n', '    - crds/a.yaml\n    - crds/b.yaml\n'));
      expect(affectedText(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual([['platform', 'settings file Pulumi.prod.yaml: mlp:crdFiles changed since HEAD']]);
    });

    test('any other key changed, or the file added or removed, affects every stack, naming the key', () => {
      editFile(settings(), (text) => text.replace('mlp:tenantsDir: tenants', 'mlp:tenantsDir: tenants\n  mlp:kubeconfig: other'));
      const reason = 'settings file Pulumi.prod.yaml: config mlp:kubeconfig changed since HEAD';
      expect(affectedText(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual(ALL_STACKS.map((stack) => [stack, reason]));
      fs.rmSync(settings());
      expect(affectedText(project.dir, '--config-file', 'Pulumi.prod.yaml')).toEqual(ALL_STACKS.map((stack) => [stack, 'settings file Pulumi.prod.yaml removed since HEAD']));
      expect(affectedText(project.dir, '--config-file', 'Pulumi.staging.yaml')).toEqual([['no stack is affected']]);
      fs.writeFileSync(path.join(project.dir, 'Pulumi.staging.yaml'), SETTINGS);
      expect(affectedText(project.dir, '--config-file', 'Pulumi.staging.yaml')).toEqual(ALL_STACKS.map((stack) => [stack, 'settings file Pulumi.staging.yaml added since HEAD']));
    });
  });

  describe('in mlp preview --affected and mlp deploy --affected', () => {
    const savedEnv = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
      Object.assign(process.env, savedEnv);
    });

    test('runs exactly the stacks mlp affected lists', async () => {
      project = committedProject();
      fs.writeFileSync(path.join(project.dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\nmain: build/stacks/pulumi/index.js\n');
      fs.writeFileSync(path.join(project.dir, 'Pulumi.prod.yaml'), 'config:\n  mlp:clusterIdentifier: prod\n  mlp:tenantsDir: tenants\n  mlp:platformFile: platform.yaml\n');
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'Pulumi project');
      const fake = fakePulumi(ALL_STACKS);
      Object.assign(process.env, fake.env);
      fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withQuotaCpu('beta', '12'));

      const result = await runMlpAsync(project.dir, ['preview', '--affected', '--base', 'HEAD', '--config-file', 'Pulumi.prod.yaml']);

      expect(result.status).toBe(0);
      const runs = fake.calls().filter((call) => call.includes(' --stack '));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatch(/\/\.mlp\/stacks\/tenant-beta\|preview .*--stack tenant-beta /);
      fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withQuotaCpu('beta', '8'));
      expect(await runMlpAsync(project.dir, ['deploy', '--affected', '--base', 'HEAD', '--config-file', 'Pulumi.prod.yaml'])).toEqual({
        status: 0,
        stdout: 'mlp: no stack is affected since HEAD; nothing to deploy\n',
        stderr: '',
      });
    });

    test('counts the settings file of --config-file: a decommission entry runs that tenant stack only', async () => {
      project = committedProject();
      fs.writeFileSync(path.join(project.dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\nmain: build/stacks/pulumi/index.js\n');
      const settings = 'config:\n  mlp:clusterIdentifier: prod\n  mlp:tenantsDir: tenants\n  mlp:platformFile: platform.yaml\n';
      fs.writeFileSync(path.join(project.dir, 'Pulumi.prod.yaml'), settings);
      git(project.dir, 'add', '.');
      git(project.dir, 'commit', '--quiet', '-m', 'Pulumi project');
      const fake = fakePulumi(ALL_STACKS);
      Object.assign(process.env, fake.env);
      fs.writeFileSync(path.join(project.dir, 'Pulumi.prod.yaml'), `${settings}  mlp:decommission:\n    - beta\n`);

      const result = await runMlpAsync(project.dir, ['preview', '--affected', '--base', 'HEAD', '--config-file', 'Pulumi.prod.yaml']);

      expect(result.status).toBe(0);
      const runs = fake.calls().filter((call) => call.includes(' --stack '));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatch(/\/\.mlp\/stacks\/tenant-beta\|preview .*--stack tenant-beta /);
    });
  });

  test('lists every stack, with the reason, when the base has no dist/', () => {
    project = committedProject({ dist: false });
    fs.rmSync(path.join(project.tenantsDir, 'alpha.yaml')); // alpha's stack exists at the base

    expect(affectedJson(project.dir)).toEqual(ALL_STACKS);
    expect(affectedText(project.dir)).toEqual(ALL_STACKS.map((stack) => [stack, 'HEAD has no dist/ to compare with (commit the output of npx mlp synth)']));
  });

  test('fails outside a git repository, naming the fix', () => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha') });
    // The scratch project is in the system's temporary folder; make sure no repository encloses it.
    expect(() => git(project.dir, 'rev-parse', '--show-toplevel')).toThrow();

    const result = runMlp(project.dir, 'affected');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const [first, second, ...rest] = result.stderr.split('\n');
    expect([first, rest]).toEqual(['mlp: 1 problem found', ['']]);
    // git's own words end the line; they vary with its version and the file systems it crosses.
    const ours = `${project.dir}: not in a git repository; mlp affected reads the base revision from git: run it in a clone of the project (fatal: not a git repository`;
    expect(second.slice(0, ours.length)).toBe(ours);
  });
});
