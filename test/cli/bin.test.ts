/**
 * bin/mlp.js, the entry point, refuses to run a build/ that is missing or
 * older than the TypeScript sources, in one line and with exit status 2,
 * and checks nothing in an installed package (no sources beside build/).
 * Runs on a copy of bin/mlp.js beside a stand-in build/ whose main() says
 * that it ran.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../support/fixtures';

const SOURCES: Record<string, string> = {
  'cli/mlp.ts': 'export function main(): number { return 0; }\n',
  'lib/tenant-namespace.ts': 'export class TenantNamespace {}\n',
  'stacks/synth.ts': 'export const synth = 1;\n',
};
const HOUR_MS = 3_600_000;

describe('bin/mlp.js', () => {
  let root: string;
  const file = (relative: string) => path.join(root, relative);
  const setTime = (relative: string, ms: number) => fs.utimesSync(file(relative), ms / 1000, ms / 1000);
  const mlp = (...args: string[]) => {
    const result = spawnSync(process.execPath, [file('bin/mlp.js'), ...args], { cwd: root, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-bin-'));
    const write = (relative: string, text: string) => {
      fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
      fs.writeFileSync(file(relative), text);
    };
    write('bin/mlp.js', fs.readFileSync(path.join(REPO_ROOT, 'bin', 'mlp.js'), 'utf8'));
    write('build/cli/mlp.js', "exports.main = (argv) => { process.stdout.write(`ran ${argv.join(' ')}\\n`); return 0; };\n");
    for (const [relative, text] of Object.entries(SOURCES)) write(relative, text);
    // What tsc records in the build info: each source, relative to build/, with the SHA-256 of its text.
    const names = Object.keys(SOURCES);
    const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
    write(
      'build/.tsbuildinfo.build',
      JSON.stringify({
        fileNames: names.map((name) => `../${name}`),
        fileInfos: names.map((name, index) => (index === 0 ? { version: hash(SOURCES[name]), signature: 'x' } : hash(SOURCES[name]))),
        version: '5.9.3',
      }),
    );
    const built = Date.now() - HOUR_MS;
    for (const relative of names) setTime(relative, built - HOUR_MS);
    setTime('build/.tsbuildinfo.build', built);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('runs build/ when it was compiled from the sources as they are', () => {
    expect(mlp('synth', '--check')).toEqual({ status: 0, stdout: 'ran synth --check\n', stderr: '' });
  });

  test('runs build/ when a source was touched but its text is what was compiled', () => {
    setTime('lib/tenant-namespace.ts', Date.now());
    setTime('cli/mlp.ts', Date.now());
    expect(mlp('synth')).toEqual({ status: 0, stdout: 'ran synth\n', stderr: '' });
  });

  test('answers help and --version even from a stale build, which print no manifests', () => {
    fs.appendFileSync(file('lib/tenant-namespace.ts'), 'export const changed = true;\n');
    expect(mlp('--version')).toEqual({ status: 0, stdout: 'ran --version\n', stderr: '' });
    expect(mlp('help', 'diff')).toEqual({ status: 0, stdout: 'ran help diff\n', stderr: '' });
    expect(mlp('diff', '--help')).toEqual({ status: 0, stdout: 'ran diff --help\n', stderr: '' });
    expect(mlp('diff', '--base', 'main').status).toBe(2);
  });

  test('fails with exit status 2 when a source changed after the build', () => {
    fs.appendFileSync(file('lib/tenant-namespace.ts'), 'export const changed = true;\n');
    expect(mlp('synth', '--check')).toEqual({ status: 2, stdout: '', stderr: 'mlp: build/ is older than lib/tenant-namespace.ts; run `npm run build`\n' });
  });

  test('fails with exit status 2 when a source was added after the build', () => {
    fs.writeFileSync(file('stacks/new-chart.ts'), 'export const chart = 1;\n');
    expect(mlp('synth')).toEqual({ status: 2, stdout: '', stderr: 'mlp: build/ is older than stacks/new-chart.ts; run `npm run build`\n' });
  });

  test('fails with exit status 2 when a source was added to any source folder after the build', () => {
    const folders = ['lib', 'config', 'policy', 'stacks', 'synthesis', 'review', 'deploy', 'cli'];
    const results = folders.map((folder) => {
      fs.mkdirSync(file(folder), { recursive: true });
      fs.writeFileSync(file(`${folder}/added.ts`), 'export const added = 1;\n');
      const result = mlp('synth');
      fs.rmSync(file(`${folder}/added.ts`));
      return result;
    });
    expect(results).toEqual(folders.map((folder) => ({ status: 2, stdout: '', stderr: `mlp: build/ is older than ${folder}/added.ts; run \`npm run build\`\n` })));
  });

  test('fails with exit status 2 and tells how to build when build/ is missing', () => {
    fs.rmSync(file('build'), { recursive: true });
    expect(mlp('synth')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: build/ is missing: the TypeScript sources are not compiled yet; run `npm ci` (installs and builds) or, when node_modules/ is installed, `npm run build`\n',
    });
  });

  test('checks nothing in an installed package, which has no sources', () => {
    for (const dir of ['cli', 'lib', 'stacks']) fs.rmSync(file(dir), { recursive: true });
    setTime('build/.tsbuildinfo.build', 0);
    expect(mlp('report')).toEqual({ status: 0, stdout: 'ran report\n', stderr: '' });
    fs.rmSync(file('build'), { recursive: true });
    expect(mlp('report')).toEqual({ status: 2, stdout: '', stderr: 'mlp: build/ is missing from this installation of mlp; install it again\n' });
  });
});

describe('bin/mlp.js with the real build', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
  }, 180_000);

  test('tsc records the SHA-256 of the text of every source it compiled, which bin/mlp.js compares', () => {
    const info = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'build', '.tsbuildinfo.build'), 'utf8')) as { fileNames: string[]; fileInfos: (string | { version: string })[] };
    const sources = info.fileNames.map((name, index) => ({ name, info: info.fileInfos[index] })).filter(({ name }) => /^\.\.\/(lib|config|policy|stacks|synthesis|review|cli)\/.*\.ts$/.test(name));
    expect(sources.length).toBeGreaterThan(40);
    for (const { name, info: recorded } of sources) {
      const text = fs.readFileSync(path.resolve(REPO_ROOT, 'build', name), 'utf8');
      const version = typeof recorded === 'string' ? recorded : recorded.version;
      expect({ name, version }).toEqual({ name, version: crypto.createHash('sha256').update(text).digest('hex') });
    }
  });

  test('runs the command after a build', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlp.js'), '--version'], { encoding: 'utf8' });
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });
});
