/**
 * `mlp deploy` and `mlp preview` with a stand-in `pulumi` on PATH
 * (test/support/fake-pulumi.ts): the folders and configuration written per
 * stack, stack creation, order and parallelism, the end table, the exit
 * status and the usage errors. test/e2e/fan-out.test.ts runs the real CLI.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { FakePulumi, fakePulumi } from '../support/fake-pulumi';
import { minimalTenant, scratchProject } from '../support/fixtures';
import { runMlpAsync } from '../support/cli';

/** A scratch project with Pulumi.yaml, a settings file with relative paths, and tenant files a, b and c. */
function project(settings = SETTINGS): string {
  const { dir } = scratchProject({ 'a.yaml': minimalTenant('a'), 'b.yaml': minimalTenant('b'), 'c.yaml': minimalTenant('c') });
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: mlp\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: build/stacks/pulumi/index.js\n');
  fs.writeFileSync(path.join(dir, 'Pulumi.prod.yaml'), settings);
  return dir;
}

const SETTINGS = `encryptionsalt: v1:salt-of-the-prod-stack
config:
  pulumi:disable-default-providers: [kubernetes]
  mlp:kubeconfig: kube/config
  mlp:clusterIdentifier: prod
  mlp:tenantsDir: tenants
  platformFile: platform.yaml
  mlp:crdFiles: [crds/one.yaml]
  mlp:skipAwait: false
`;

// Every test runs stand-in pulumi processes: on a loaded machine one took longer than jest's default 5 s.
jest.setTimeout(60_000);

let fake: FakePulumi;
const savedEnv = { ...process.env };
function useFake(existing: readonly string[], settings: Record<string, string> = {}): void {
  fake = fakePulumi(existing, settings);
  Object.assign(process.env, fake.env);
}
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

/** The calls of the fake as `<folder relative to dir>|<args>`. */
const calls = (dir: string) => fake.calls().map((call) => `${path.relative(fs.realpathSync(dir), fs.realpathSync(call.split('|')[0])) || '.'}|${call.split('|')[1]}`);

describe('mlp deploy', () => {
  test('runs each stack in its own folder with a generated configuration, creating missing stacks, platform first', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'dev']);
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.stderr).not.toContain('failed');
    expect(result.status).toBe(0);
    const up = (stack: string) => `.mlp/stacks/${stack}|up --yes --skip-preview --diff --stack ${stack} --non-interactive --color never`;
    const seen = calls(dir);
    expect(seen.slice(0, 3)).toEqual(['.|stack ls --json --non-interactive', up('platform'), expect.stringMatching(/^\.mlp\/stacks\/tenant-[abc]\|/)]);
    expect([...seen].sort()).toEqual(
      [
        '.|stack ls --json --non-interactive',
        up('platform'),
        up('tenant-a'),
        '.mlp/stacks/tenant-b|stack init tenant-b --non-interactive',
        up('tenant-b'),
        '.mlp/stacks/tenant-c|stack init tenant-c --non-interactive',
        up('tenant-c'),
      ].sort(),
    );
    // Each created stack is initialized before its update.
    expect(seen.indexOf('.mlp/stacks/tenant-b|stack init tenant-b --non-interactive')).toBeLessThan(seen.indexOf(up('tenant-b')));

    const stackDir = path.join(dir, '.mlp', 'stacks', 'tenant-b');
    const config = parse(fs.readFileSync(path.join(stackDir, 'Pulumi.tenant-b.yaml'), 'utf8'));
    expect(config).toEqual({
      // The salt that `pulumi stack init` wrote, kept; not the settings file's.
      encryptionsalt: 'v1:fake-salt-tenant-b',
      config: {
        'pulumi:disable-default-providers': ['kubernetes'],
        'mlp:kubeconfig': path.join(dir, 'kube', 'config'),
        'mlp:clusterIdentifier': 'prod',
        'mlp:tenantsDir': path.join(dir, 'tenants'),
        'mlp:platformFile': path.join(dir, 'platform.yaml'),
        'mlp:crdFiles': [path.join(dir, 'crds', 'one.yaml')],
        'mlp:skipAwait': false,
        'mlp:part': 'tenant:b',
      },
    });
    expect(parse(fs.readFileSync(path.join(dir, '.mlp', 'stacks', 'platform', 'Pulumi.platform.yaml'), 'utf8')).config['mlp:part']).toBe('platform');
    expect(parse(fs.readFileSync(path.join(stackDir, 'Pulumi.yaml'), 'utf8'))).toEqual({
      name: 'mlp',
      runtime: { name: 'nodejs', options: { typescript: false } },
      main: path.join(dir, 'build', 'stacks', 'pulumi', 'index.js'),
    });
    expect(fs.readFileSync(path.join(stackDir, 'pulumi.log'), 'utf8')).toMatch(
      /^==== \S+Z start: pulumi stack init tenant-b --non-interactive\nCreated stack 'tenant-b'\n==== \S+Z end: exit 0\n==== \S+Z start: pulumi up .*\n[^]*Resources:\n    ~ 1 to update\n    4 unchanged\n==== \S+Z end: exit 0\n$/,
    );
    expect(result.stdout.split('\n')[0]).toMatch(/^STACK +RESULT +DURATION +LOG$/);
    expect(result.stdout).toMatch(/^tenant-b +succeeded +\d+\.\d s +\.mlp\/stacks\/tenant-b\/pulumi\.log$/m);
    expect(result.stderr).toContain('mlp: tenant-c: pulumi up started (log .mlp/stacks/tenant-c/pulumi.log)\n');
  });

  test('--all includes every tenant stack whose file is gone, so its removal guard runs', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b', 'tenant-c', 'tenant-gone', 'dev']);
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--parallel', '4']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(1, -1).map((line) => line.split(' ')[0])).toEqual(['platform', 'tenant-a', 'tenant-b', 'tenant-c', 'tenant-gone']);
  });

  test('runs at most --parallel tenant stacks at a time, and that many at once', async () => {
    const dir = project();
    // Each tenant stack's fake update waits until two tenant stacks have started: it only succeeds when two run at once.
    useFake(['platform', 'tenant-a', 'tenant-b', 'tenant-c'], { FAKE_PULUMI_BARRIER: '2' });
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--parallel', '2']);
    expect(result.status).toBe(0);
    const seen = fake.concurrency();
    expect(seen.map((entry) => entry.stack).sort()).toEqual(['platform', 'tenant-a', 'tenant-b', 'tenant-c']);
    expect(seen.find((entry) => entry.stack === 'platform')!.running).toBe(1);
    expect(Math.max(...seen.map((entry) => entry.running))).toBe(2);
  });

  test('a failing tenant stack does not stop the others; exit 1 names it', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b', 'tenant-c'], { FAKE_PULUMI_FAIL: 'tenant-b' });
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--parallel', '1']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^tenant-b +failed +\d+\.\d s +\.mlp\/stacks\/tenant-b\/pulumi\.log$/m);
    expect(result.stdout).toMatch(/^tenant-c +succeeded /m);
    expect(result.stderr).toContain('mlp: pulumi up failed for 1 of 4 stacks: tenant-b; their logs are in the table above\n');
    expect(fs.readFileSync(path.join(dir, '.mlp', 'stacks', 'tenant-b', 'pulumi.log'), 'utf8')).toContain('error: fake failure of tenant-b\n==== ');
  });

  test('prints the error lines and warnings of each failed stack, and the mlp: warnings of the others, before the closing line', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b', 'tenant-c'], { FAKE_PULUMI_FAIL: 'tenant-b', FAKE_PULUMI_WARN: 'tenant-b tenant-c', FAKE_PULUMI_ERRORS: '13' });
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--parallel', '1']);
    expect(result.status).toBe(1);
    const errors = Array.from({ length: 8 }, (_, i) => `  error: fake failure ${i + 1} of tenant-b`);
    expect(result.stderr.slice(result.stderr.indexOf('\nmlp: tenant-b failed (log') + 1)).toBe(
      [
        'mlp: tenant-b failed (log .mlp/stacks/tenant-b/pulumi.log):',
        '  warning: mlp: fake warning of tenant-b',
        '  warning: some other warning of tenant-b',
        ...errors,
        '  ... 6 more lines in the log',
        'mlp: tenant-c warned (log .mlp/stacks/tenant-c/pulumi.log):',
        '  warning: mlp: fake warning of tenant-c',
        'mlp: pulumi up failed for 1 of 4 stacks: tenant-b; their logs are in the table above',
        '',
      ].join('\n'),
    );
  });

  test('runs no tenant stack when the platform stack fails', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a'], { FAKE_PULUMI_FAIL: 'platform' });
    const result = await runMlpAsync(dir, ['deploy', '--stack', 'tenant-a', '--stack', 'platform', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^tenant-a +not run: platform failed +- +\.mlp\/stacks\/tenant-a\/pulumi\.log$/m);
    expect(result.stderr).toContain('mlp: pulumi up failed for 1 of 2 stacks: platform; not run (platform failed): tenant-a; their logs are in the table above\n');
    expect(calls(dir).filter((call) => call.includes('tenant-a'))).toEqual([]);
  });

  test('a stack that cannot be created fails alone', async () => {
    const dir = project();
    useFake(['platform'], { FAKE_PULUMI_FAIL_INIT: 'tenant-a' });
    const result = await runMlpAsync(dir, ['deploy', '--stack', 'tenant-a', '--stack', 'tenant-b', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('mlp: pulumi up failed for 1 of 2 stacks: tenant-a;');
    expect(calls(dir).filter((call) => call.includes(' --stack tenant-a '))).toEqual([]);
  });

  test('--affected --base REF runs the stacks mlp affected names, and nothing when it names none', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b', 'tenant-c']);
    const asked: unknown[] = [];
    const affected = (stacks: string[]) => (options: unknown) => {
      asked.push(options);
      return { stacks };
    };
    const some = await runMlpAsync(dir, ['deploy', '--affected', '--base', 'HEAD~1', '--config-file', 'Pulumi.prod.yaml'], affected(['tenant-c']));
    expect(some.status).toBe(0);
    expect(asked).toEqual([{ base: 'HEAD~1', platformFile: path.join(dir, 'platform.yaml'), tenantsDir: path.join(dir, 'tenants'), configFile: 'Pulumi.prod.yaml' }]);
    expect(calls(dir).filter((call) => call.includes(' --stack '))).toEqual(['.mlp/stacks/tenant-c|up --yes --skip-preview --diff --stack tenant-c --non-interactive --color never']);
    const none = await runMlpAsync(dir, ['deploy', '--affected', '--base', 'HEAD', '--config-file', 'Pulumi.prod.yaml'], affected([]));
    expect(none).toEqual({ status: 0, stdout: 'mlp: no stack is affected since HEAD; nothing to deploy\n', stderr: '' });
  });

  test('refuses --stack for a tenant with no tenant file and no stack, before creating anything', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a']);
    const result = await runMlpAsync(dir, ['deploy', '--stack', 'tenant-nosuch', '--stack', 'tenant-a', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `mlp: stack tenant-nosuch: ${path.join(dir, 'tenants', 'nosuch.yaml')} does not exist and the stack does not exist: nothing to deploy; ` +
        'add the tenant file, or leave --stack tenant-nosuch out. Nothing was run\n',
    );
    expect(calls(dir)).toEqual(['.|stack ls --json --non-interactive']);
  });

  test('--affected skips a tenant with no tenant file and no stack, with a note, and creates no stack', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a']);
    const result = await runMlpAsync(dir, ['preview', '--affected', '--base', 'HEAD', '--config-file', 'Pulumi.prod.yaml'], () => ({ stacks: ['tenant-a', 'tenant-gone'] }));
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('mlp: tenant-gone: no tenant file and no stack: nothing to preview\n');
    expect(calls(dir).filter((call) => call.includes('tenant-gone'))).toEqual([]);
    expect(result.stdout.split('\n').slice(1, -1).map((line) => line.split(' ')[0])).toEqual(['tenant-a']);
  });

  test('passes --refresh through', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a']);
    expect((await runMlpAsync(dir, ['deploy', '--stack', 'tenant-a', '--refresh', '--config-file', 'Pulumi.prod.yaml'])).status).toBe(0);
    expect(calls(dir).pop()).toBe('.mlp/stacks/tenant-a|up --yes --skip-preview --diff --refresh --stack tenant-a --non-interactive --color never');
  });

  test('refuses tenant stacks without the platform stack, before running anything, naming the fix', async () => {
    const dir = project();
    useFake(['tenant-a', 'dev']);
    expect(await runMlpAsync(dir, ['deploy', '--stack', 'tenant-a', '--stack', 'tenant-b', '--config-file', 'Pulumi.prod.yaml'])).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'mlp: stack platform does not exist, and tenant stacks read the platform from it (tenant-a, tenant-b); deploy it first: npx mlp deploy --stack platform --config-file Pulumi.prod.yaml. Nothing was run\n',
    });
    expect(calls(dir)).toEqual(['.|stack ls --json --non-interactive']);
    // With the platform stack selected, it is created and deployed first.
    const withPlatform = await runMlpAsync(dir, ['deploy', '--stack', 'tenant-a', '--stack', 'platform', '--config-file', 'Pulumi.prod.yaml']);
    expect(withPlatform.status).toBe(0);
    expect(calls(dir).filter((call) => call.includes('platform'))).toEqual([
      '.mlp/stacks/platform|stack init platform --non-interactive',
      '.mlp/stacks/platform|up --yes --skip-preview --diff --stack platform --non-interactive --color never',
    ]);
  });

  test('fails naming the file, the key and the fix when the settings file sets mlp:part or a secret', async () => {
    useFake(['tenant-a']);
    const withPart = project(`${SETTINGS}  mlp:part: platform\n`);
    expect(await runMlpAsync(withPart, ['deploy', '--stack', 'tenant-a', '--config-file', 'Pulumi.prod.yaml'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'mlp: Pulumi.prod.yaml: config.mlp:part: "platform": mlp deploy sets mlp:part for each stack (platform, tenant:<name>); remove it from the settings file\n',
    });
    const withSecret = project(`${SETTINGS}  mlp:context:\n    secure: AAABAGx\n`);
    expect((await runMlpAsync(withSecret, ['deploy', '--stack', 'tenant-a', '--config-file', 'Pulumi.prod.yaml'])).stderr).toBe(
      "mlp: Pulumi.prod.yaml: config.mlp:context: a secret (secure:) cannot be copied into the stacks' configuration, which each stack encrypts with its own salt; give the value in plain text or leave it out (the mlp: settings hold no secrets)\n",
    );
    expect(await runMlpAsync(withSecret, ['deploy', '--stack', 'tenant-a'])).toEqual({
      status: 1,
      stdout: '',
      stderr: "mlp: Pulumi.dev.yaml: cannot read the settings file (ENOENT); name the environment's settings file with --config-file FILE (docs/deploy.md#deploying-many-stacks)\n",
    });
    expect(fake.calls()).toEqual([]);
  });

  test('refuses an unknown mlp: key naming the nearest known key, and a settings file without mlp:clusterIdentifier, before running anything', async () => {
    useFake(['platform', 'tenant-a']);
    const typo = project(SETTINGS.replace('mlp:clusterIdentifier: prod', 'mlp:clusterIdentifer: prod'));
    expect(await runMlpAsync(typo, ['deploy', '--stack', 'tenant-a', '--config-file', 'Pulumi.prod.yaml'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'mlp: Pulumi.prod.yaml: config.mlp:clusterIdentifer: not a setting of mlp (did you mean mlp:clusterIdentifier?); the settings are listed in docs/deploy.md#stack-configuration\n',
    });
    const missing = project(SETTINGS.replace('  mlp:clusterIdentifier: prod\n', ''));
    expect(await runMlpAsync(missing, ['preview', '--all', '--config-file', 'Pulumi.prod.yaml'])).toEqual({
      status: 1,
      stdout: '',
      stderr:
        'mlp: Pulumi.prod.yaml: mlp:clusterIdentifier is not set; every stack of the cluster needs the same one: write it into Pulumi.prod.yaml ' +
        '(mlp:clusterIdentifier: <id>; when moving from a single stack, that stack\'s identifier: its mlp:clusterIdentifier, or mlp-<old stack> if it was never set). ' +
        'Not pulumi config set: mlp rewrites each stack\'s configuration from the settings file\n',
    });
    expect(fake.calls()).toEqual([]);
  });

  test('refuses a work directory that holds files mlp did not write', async () => {
    const dir = project();
    useFake([]);
    fs.mkdirSync(path.join(dir, 'mine'));
    fs.writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'keep me');
    expect(await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--work-dir', 'mine'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'mlp: mine holds files that mlp did not write (no .mlp-work-dir in it); choose another work directory (--work-dir) or an empty folder\n',
    });
    expect(fs.readdirSync(path.join(dir, 'mine'))).toEqual(['notes.txt']);
  });

  test('refuses a work directory under /proc, /sys or /dev, and names --work-dir, the path and the reason when it cannot be made', async () => {
    const dir = project();
    useFake([]);
    for (const workDir of ['/proc/x', '/sys', '/dev/shm/mlp']) {
      expect(await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--work-dir', workDir])).toEqual({
        status: 1,
        stdout: '',
        stderr: `mlp: --work-dir ${workDir}: under ${workDir.split('/').slice(0, 2).join('/')}, which belongs to the kernel; choose a folder of the project or of /tmp\n`,
      });
    }
    fs.writeFileSync(path.join(dir, 'afile'), '');
    expect(await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml', '--work-dir', 'afile/sub'])).toEqual({
      status: 1,
      stdout: '',
      stderr: `mlp: --work-dir afile/sub: cannot create ${path.join(dir, 'afile', 'sub')} (ENOTDIR: a part of the path is a file, not a folder); choose another work directory\n`,
    });
    expect(fake.calls()).toEqual([]);
  });

  test('fails when pulumi stack ls fails, before running anything', async () => {
    const dir = project();
    useFake([]);
    fs.rmSync(path.join(process.env.FAKE_PULUMI_DIR!, 'stacks.txt'));
    const result = await runMlpAsync(dir, ['deploy', '--all', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^mlp: pulumi stack ls printed no JSON list; nothing was run \(log \.mlp\/stacks\/stack-ls\.log\)\. Check the backend \(PULUMI_BACKEND_URL or pulumi login\):\n/);
    expect(calls(dir)).toEqual(['.|stack ls --json --non-interactive']);
  });
});

describe('mlp preview', () => {
  test('previews with --diff, passes --expect-no-changes and writes the summary file', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b'], { FAKE_PULUMI_FAIL: 'tenant-b' });
    const result = await runMlpAsync(dir, ['preview', '--stack', 'tenant-a', '--stack', 'tenant-b', '--expect-no-changes', '--summary-file', 'summary.md', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    expect(calls(dir).filter((call) => call.includes('preview'))).toEqual([
      '.mlp/stacks/tenant-a|preview --diff --expect-no-changes --stack tenant-a --non-interactive --color never',
      '.mlp/stacks/tenant-b|preview --diff --expect-no-changes --stack tenant-b --non-interactive --color never',
    ]);
    expect(result.stderr).toContain('mlp: pulumi preview failed for 1 of 2 stacks: tenant-b; their logs are in the table above\n');
    const summary = fs.readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect(summary).toBe(
      [
        '### `tenant-a`: 1 to update, 4 unchanged',
        '',
        '<details><summary>pulumi preview --diff</summary>',
        '',
        '```diff',
        'Previewing preview (tenant-a):',
        '    ~ kubernetes:core/v1:ResourceQuota x/resourcequota-tenant-quota update [diff: ~spec]',
        '',
        'Resources:',
        '    ~ 1 to update',
        '    4 unchanged',
        '```',
        '',
        '</details>',
        '',
        '### `tenant-b`: preview failed',
        '',
        'The last lines of its log (.mlp/stacks/tenant-b/pulumi.log):',
        '',
        '```',
        'error: fake failure of tenant-b',
        '```',
        '',
      ].join('\n'),
    );
  });
});

describe('mlp preview without the platform stack', () => {
  test('warns that the tenant previews cannot read the platform, and previews them', async () => {
    const dir = project();
    useFake(['tenant-a']);
    const result = await runMlpAsync(dir, ['preview', '--stack', 'tenant-a', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'mlp: warning: stack platform does not exist, and tenant stacks read the platform from it (tenant-a): their previews fail (error: unknown stack) until it is deployed (npx mlp deploy --stack platform --config-file Pulumi.prod.yaml)\n',
    );
    expect(calls(dir)).toEqual(['.|stack ls --json --non-interactive', '.mlp/stacks/tenant-a|preview --diff --stack tenant-a --non-interactive --color never']);
  });
});

describe('mlp preview --drift', () => {
  test('runs a plain and a refreshed preview per existing stack, creates none, and prints the drift of each stack', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b'], { FAKE_PULUMI_DRIFT: 'tenant-b' });
    const result = await runMlpAsync(dir, ['preview', '--all', '--drift', '--config-file', 'Pulumi.prod.yaml']);
    expect(result.status).toBe(1);
    const previews = calls(dir).filter((call) => !call.startsWith('.|'));
    expect([...previews].sort()).toEqual(
      ['platform', 'tenant-a', 'tenant-b'].flatMap((stack) => [`.mlp/stacks/${stack}|preview --json --stack ${stack} --non-interactive`, `.mlp/stacks/${stack}|preview --json --refresh --stack ${stack} --non-interactive`]).sort(),
    );
    // tenant-c has a file but no stack: nothing of it was deployed, so nothing can have drifted; it is not created.
    expect(calls(dir).filter((call) => call.includes('tenant-c'))).toEqual([]);
    expect(result.stderr).toContain('mlp: tenant-c: not checked: the stack does not exist (never deployed)\n');
    expect(result.stdout).toMatch(/^platform +no drift +\d+\.\d s +\.mlp\/stacks\/platform\/pulumi\.log$/m);
    expect(result.stdout).toMatch(/^tenant-a +no drift +/m);
    expect(result.stdout).toMatch(/^tenant-b +drift in 1 object +/m);
    expect(result.stdout.slice(result.stdout.indexOf('\n\n'))).toBe(
      '\n\nstack tenant-b: drift in 1 object of b; the next pulumi up puts them back:\nb:\n  b/deployment-chat: changed spec.replicas\n',
    );
    expect(result.stderr).toContain('mlp: drift in 1 of 3 stacks: tenant-b; the next mlp deploy --refresh puts it back\n');
  });

  test('exit 0 without drift; a failed preview fails its stack', async () => {
    const dir = project();
    useFake(['platform', 'tenant-a', 'tenant-b']);
    const clean = await runMlpAsync(dir, ['preview', '--stack', 'platform', '--stack', 'tenant-a', '--drift', '--config-file', 'Pulumi.prod.yaml']);
    expect(clean.stderr).not.toContain('drift in');
    expect(clean.status).toBe(0);
    useFake(['platform', 'tenant-a', 'tenant-b'], { FAKE_PULUMI_FAIL: 'tenant-a' });
    const failed = await runMlpAsync(dir, ['preview', '--stack', 'tenant-a', '--stack', 'tenant-b', '--drift', '--config-file', 'Pulumi.prod.yaml']);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/^tenant-a +failed +/m);
    expect(failed.stderr).toContain('mlp: pulumi preview failed for 1 of 2 stacks: tenant-a; their logs are in the table above\n');
    expect(fake.calls().filter((call) => call.includes('tenant-a'))).toHaveLength(1);
  });
});

describe('usage errors (exit status 2)', () => {
  const cases: Array<[string[], string]> = [
    [['deploy'], 'mlp: deploy needs the stacks to run: --stack NAME (repeatable), --affected --base REF or --all; see `mlp deploy --help`\n'],
    [['preview', '--all', '--stack', 'platform'], 'mlp: --stack and --all cannot be used together: choose one; see `mlp preview --help`\n'],
    [['deploy', '--affected'], 'mlp: --affected needs --base REF, the revision whose dist/ is deployed; see `mlp deploy --help`\n'],
    [['deploy', '--all', '--base', 'HEAD'], 'mlp: --base goes with --affected; see `mlp deploy --help`\n'],
    [['deploy', '--stack', 'nlp'], 'mlp: --stack nlp: not a stack name; expected platform or tenant-<tenant>, e.g. tenant-nlp; see `mlp deploy --help`\n'],
    [['deploy', '--all', '--parallel', '0'], 'mlp: --parallel 0: expected a whole number >= 1; see `mlp deploy --help`\n'],
    [['deploy', '--all', '--work-dir', ''], 'mlp: --work-dir: expected a folder, got an empty name; see `mlp deploy --help`\n'],
    [['deploy', '--all', '--config-file', ''], 'mlp: --config-file: expected the settings file, got an empty name; see `mlp deploy --help`\n'],
    [['deploy', '--all', '--expect-no-changes'], 'mlp: deploy does not take --expect-no-changes (preview does); see `mlp deploy --help`\n'],
    [['deploy', '--all', '--summary-file', 'x.md'], 'mlp: deploy does not take --summary-file (preview does); see `mlp deploy --help`\n'],
    [['deploy', '--all', '--drift'], 'mlp: deploy does not take --drift (preview does); see `mlp deploy --help`\n'],
    [
      ['preview', '--all', '--drift', '--refresh', '--summary-file', 'x.md'],
      'mlp: --drift runs its own two previews (plain and refreshed) and prints the drift; it does not take --refresh or --summary-file; see `mlp preview --help`\n',
    ],
  ];
  test.each(cases)('mlp %j', async (args, message) => {
    const dir = project();
    useFake([]);
    expect(await runMlpAsync(dir, args)).toEqual({ status: 2, stdout: '', stderr: message });
    expect(fake.calls()).toEqual([]);
  });

  test('each command has its own help', async () => {
    const dir = project();
    const help = await runMlpAsync(dir, ['preview', '--help']);
    expect(help.status).toBe(0);
    for (const option of ['--stack <name>', '--affected', '--base <ref>', '--all', '--parallel <n>', '--refresh', '--config-file <file>', '--work-dir <dir>', '--expect-no-changes', '--summary-file <file>']) {
      expect(help.stdout).toContain(option);
    }
    expect((await runMlpAsync(dir, ['deploy', '--help'])).stdout).not.toContain('--summary-file');
    // The default of --parallel is a number, shown as one.
    const oneLine = (text: string) => text.replace(/\s+/g, ' ');
    expect(oneLine(help.stdout)).toContain('--parallel <n> tenant stacks at a time (the platform stack runs first, alone) (default: 2) ');
    expect(oneLine((await runMlpAsync(dir, ['split-stack', '--help'])).stdout)).toContain('--parallel <n> tenant stacks previewed and updated at a time (default: 2) ');
  });
});
