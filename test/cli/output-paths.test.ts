/**
 * `mlp synth --out` and `mlp schema --out` never destroy what they did not
 * write: a folder that is not synth's own is refused with exit status 2, a
 * file-system error is one line with exit status 1, and in either case
 * nothing of the project changes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT } from '../../synthesis/output-tree';
import { CliResult, runMlp } from '../support/cli';
import { minimalTenant, scratchProject } from '../support/fixtures';

/** Every entry below `dir`: folders, and files with their content and modification time. */
function treeState(dir: string): Map<string, string> {
  const state = new Map<string, string>();
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, child);
      if (entry.isDirectory()) {
        state.set(child, 'folder');
        walk(child);
      } else {
        state.set(child, `${fs.statSync(full).mtimeMs} ${fs.readFileSync(full, 'utf8')}`);
      }
    }
  };
  walk('');
  return state;
}

describe('mlp synth --out and schema --out', () => {
  let project: ReturnType<typeof scratchProject>;
  const run = (...args: string[]): CliResult => runMlp(project.dir, ...args);

  beforeEach(() => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha') });
    // What a repository holds besides the tenant files.
    fs.mkdirSync(path.join(project.dir, '.git', 'refs'), { recursive: true });
    fs.writeFileSync(path.join(project.dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(project.dir, 'README.txt'), 'the platform of the ML teams\n');
    fs.writeFileSync(path.join(project.dir, 'notes.txt'), 'notes\n');
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  /** Runs mlp and expects it to change nothing in the project. */
  const runChangingNothing = (...args: string[]): CliResult => {
    const before = treeState(project.dir);
    expect(before.size).toBeGreaterThan(5);
    const result = run(...args);
    expect(treeState(project.dir)).toEqual(before);
    return result;
  };

  test('synth --out . refuses the project folder and touches nothing', () => {
    expect(runChangingNothing('synth', '--out', '.')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: ./ is not empty and has no .mlp-output file of an earlier mlp synth, so synth does not write into it: choose a new or empty output folder (--out)\n',
    });
  });

  test('synth --out tenants refuses the tenants folder and touches nothing', () => {
    expect(runChangingNothing('synth', '--out', 'tenants')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: tenants/ is not empty and has no .mlp-output file of an earlier mlp synth, so synth does not write into it: choose a new or empty output folder (--out)\n',
    });
  });

  test('synth --out refuses a folder that holds files of the user, and touches nothing', () => {
    fs.mkdirSync(path.join(project.dir, 'manifests'));
    fs.writeFileSync(path.join(project.dir, 'manifests', 'by-hand.yaml'), 'kind: ConfigMap\n');
    expect(runChangingNothing('synth', '--out', 'manifests')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: manifests/ is not empty and has no .mlp-output file of an earlier mlp synth, so synth does not write into it: choose a new or empty output folder (--out)\n',
    });
  });

  test('synth takes back a dist/ that holds only its own folders but lost its marker, and writes the marker again', () => {
    expect(run('synth').status).toBe(0);
    fs.rmSync(path.join(project.dir, 'dist', OUTPUT_MARKER));
    const result = run('synth');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readFileSync(path.join(project.dir, 'dist', OUTPUT_MARKER), 'utf8')).toBe(OUTPUT_MARKER_TEXT);
    expect(run('synth', '--check').status).toBe(0);
  });

  test('synth --out refuses a folder inside another output folder and touches nothing', () => {
    expect(run('synth').status).toBe(0);
    expect(runChangingNothing('synth', '--out', 'dist/sub')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: dist/sub is inside dist/, the output folder of an earlier mlp synth, which replaces and removes the folders in it: choose an output folder outside it (--out)\n',
    });
  });

  test('synth --out refuses an existing file and touches nothing', () => {
    expect(runChangingNothing('synth', '--out', 'notes.txt')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: notes.txt is a file, not a folder; synth writes only into a new or empty folder or one it wrote before: choose another output folder (--out)\n',
    });
  });

  test('synth --out reports a folder it cannot create in one line, exit status 1, and touches nothing', () => {
    expect(fs.existsSync('/proc/self')).toBe(true); // Linux: mkdir answers ENOENT under /proc
    expect(runChangingNothing('synth', '--out', '/proc/x')).toEqual({
      status: 1,
      stdout: '',
      stderr: `mlp: cannot write /proc/x: ENOENT: no such file or directory, mkdir '/proc/x.mlp-tmp-${process.pid}'\n`,
    });
    // Since Node.js 22, statSync with throwIfNoEntry: false returns undefined for ENOTDIR too; the first
    // call to fail is then the listing of the parent, notes.txt, in search of an interrupted swap.
    expect(runChangingNothing('synth', '--out', 'notes.txt/manifests')).toEqual({
      status: 1,
      stdout: '',
      stderr: `mlp: cannot write notes.txt/manifests: ENOTDIR: not a directory, scandir '${fs.realpathSync(project.dir)}/notes.txt'\n`,
    });
  });

  test('synth --out writes into an empty folder and marks it, and writes again into the folder it marked', () => {
    fs.mkdirSync(path.join(project.dir, 'manifests'));
    expect(run('synth', '--out', 'manifests')).toEqual({ status: 0, stdout: 'mlp: wrote 39 manifests of 1 tenant to manifests/\n', stderr: '' });
    expect(fs.readFileSync(path.join(project.dir, 'manifests', OUTPUT_MARKER), 'utf8').split('\n')[0]).toBe('# mlp synth output folder');

    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), minimalTenant('beta'));
    expect(run('synth', '--out', 'manifests')).toEqual({
      status: 0,
      stdout: 'mlp: updated manifests/: 53 manifests of 2 tenants; added beta/ (2 of 3 folders unchanged, 2 skipped as unchanged since the last run)\n',
      stderr: '',
    });
  });

  test('synth keeps the files of the user in dist/ and refuses to replace a tenant folder holding one', () => {
    expect(run('synth').status).toBe(0);
    fs.writeFileSync(path.join(project.dir, 'dist', 'README.md'), 'generated: do not edit\n');
    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), minimalTenant('beta'));
    expect(run('synth').status).toBe(0);
    fs.rmSync(path.join(project.tenantsDir, 'beta.yaml'));
    expect(run('synth').stdout).toBe('mlp: updated dist/: 39 manifests of 1 tenant; removed beta/ (2 of 2 folders unchanged, 2 skipped as unchanged since the last run)\n');
    expect(fs.readFileSync(path.join(project.dir, 'dist', 'README.md'), 'utf8')).toBe('generated: do not edit\n');
    expect(run('synth', '--check')).toEqual({ status: 0, stdout: 'mlp: dist/ is up to date (39 files)\n', stderr: '' });

    fs.writeFileSync(path.join(project.dir, 'dist', 'alpha', 'NOTES.md'), 'why alpha has no GPUs\n');
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);
    expect(runChangingNothing('synth')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: dist/alpha/NOTES.md was not written by mlp, and synth replaces the whole folder dist/alpha/ (from tenants/alpha.yaml): move the file out of dist/alpha/\n',
    });
  });

  test('synth --check lists a missing marker', () => {
    expect(run('synth').status).toBe(0);
    fs.rmSync(path.join(project.dir, 'dist', OUTPUT_MARKER));
    expect(run('synth', '--check')).toEqual({
      status: 1,
      stdout: 'mlp: dist/ is stale; run `npx mlp synth` and commit the result:\n  missing: dist/.mlp-output\n',
      stderr: '',
    });
  });

  test('schema --out refuses an existing file and touches nothing', () => {
    expect(runChangingNothing('schema', '--out', 'notes.txt')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: notes.txt is a file, not a folder; schema writes platform.schema.json and tenant.schema.json into a folder: choose another (--out)\n',
    });
  });

  test('schema --out refuses a folder in the place of a schema file and touches nothing', () => {
    fs.mkdirSync(path.join(project.dir, 'schemas', 'tenant.schema.json'), { recursive: true });
    expect(runChangingNothing('schema', '--out', 'schemas')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: schemas/tenant.schema.json is not a file; schema writes a file of that name: move it away or choose another folder (--out)\n',
    });
  });

  test('schema --out reports a folder it cannot create in one line, exit status 1', () => {
    expect(runChangingNothing('schema', '--out', '/proc/x')).toEqual({
      status: 1,
      stdout: '',
      stderr: "mlp: cannot write /proc/x: ENOENT: no such file or directory, mkdir '/proc/x'\n",
    });
  });

  test('schema --out writes its two files into a folder of other files and touches none of them', () => {
    const before = treeState(project.dir);
    expect(run('schema', '--out', '.')).toEqual({ status: 0, stdout: 'mlp: wrote platform.schema.json, tenant.schema.json to ./\n', stderr: '' });
    const after = treeState(project.dir);
    expect([...after.keys()].filter((entry) => !before.has(entry)).sort()).toEqual(['platform.schema.json', 'tenant.schema.json']);
    expect([...before.keys()].filter((entry) => after.get(entry) !== before.get(entry))).toEqual([]);
    expect(run('schema', '--out', '.', '--check')).toEqual({ status: 0, stdout: 'mlp: ./ is up to date (2 files)\n', stderr: '' });
  });
});
