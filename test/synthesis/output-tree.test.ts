import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GENERATED_HEADER, OUTPUT_MARKER, OUTPUT_MARKER_TEXT, OutputRefusedError, claimOutputDir, classifyEntry, prepareStaging, readTree, swapFolders } from '../../synthesis/output-tree';

/** Writes `files` (path → content) below `dir`. */
function write(dir: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

describe('swapFolders', () => {
  let root: string;
  let dir: string;
  const before = { 'a/x.yaml': 'a1', 'b/x.yaml': 'b1', 'b/y.yaml': 'b1', 'c/x.yaml': 'c1', 'stray.txt': 's' };
  const staged = { 'b/x.yaml': 'b2', 'd/x.yaml': 'd2' };
  const after = { 'a/x.yaml': 'a1', 'b/x.yaml': 'b2', 'd/x.yaml': 'd2' };
  /** Renames of a swap that replaces b, adds d and removes c and stray.txt. */
  const RENAMES = 5;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-swap-'));
    dir = path.join(root, 'dist');
    write(dir, before);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const stage = () => {
    const staging = prepareStaging(dir);
    write(staging, staged);
    return staging;
  };

  test('replaces the changed folders, adds new ones and removes the others, leaving nothing beside', () => {
    const unchanged = fs.statSync(path.join(dir, 'a', 'x.yaml')).ino;
    swapFolders(dir, stage(), ['b', 'd'], ['c', 'stray.txt']);
    expect(Object.fromEntries(readTree(dir))).toEqual(after);
    expect(fs.statSync(path.join(dir, 'a', 'x.yaml')).ino).toBe(unchanged);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test('moves the staging directory into place when there is no output directory yet', () => {
    fs.rmSync(dir, { recursive: true });
    swapFolders(dir, stage(), ['b', 'd'], []);
    expect(Object.fromEntries(readTree(dir))).toEqual(staged);
    expect(fs.readdirSync(root)).toEqual(['dist']);
  });

  test.each(Array.from({ length: RENAMES }, (_, renames) => [renames]))(
    'a swap that stops after %i renames is rolled back by the next run',
    (renames) => {
      swapFolders(dir, stage(), ['b', 'd'], ['c', 'stray.txt'], { stopAfter: renames });
      expect(fs.readdirSync(root).some((entry) => entry.startsWith('dist.mlp-journal-'))).toBe(true);

      prepareStaging(dir);

      expect(Object.fromEntries(readTree(dir))).toEqual(before);
      expect(fs.readdirSync(root).filter((entry) => !entry.startsWith('dist.mlp-tmp-'))).toEqual(['dist']);
    },
  );

  test('a journal cut short while being written means nothing was renamed yet', () => {
    stage();
    fs.writeFileSync(`${dir}.mlp-journal-4242.json`, '{"old": "dist.mlp-ol');
    prepareStaging(dir);
    expect(Object.fromEntries(readTree(dir))).toEqual(before);
    expect(fs.readdirSync(root).filter((entry) => !entry.startsWith('dist.mlp-tmp-'))).toEqual(['dist']);
  });

  test('a swap that fails mid-way is rolled back at once', () => {
    const staging = stage();
    fs.rmSync(path.join(staging, 'd'), { recursive: true }); // the rename of d fails
    expect(() => swapFolders(dir, staging, ['b', 'd'], ['c', 'stray.txt'])).toThrow(/ENOENT/);
    expect(Object.fromEntries(readTree(dir))).toEqual(before);
  });
});

describe('prepareStaging', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-staging-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('removes only the leftovers it names itself beside the output directory', () => {
    write(root, { 'dist/a/x.yaml': 'a', 'dist.mlp-tmp-77/a/x.yaml': 'stale', 'dist.mlp-notes.txt': 'of the user', 'dist.mlp-old-backup/x': 'of the user' });
    const staging = prepareStaging(path.join(root, 'dist'));
    expect(fs.readdirSync(root).sort()).toEqual(['dist', 'dist.mlp-notes.txt', 'dist.mlp-old-backup', path.basename(staging)].sort());
  });

  test('fails with ENOENT where mkdir cannot create the parent, instead of spinning', () => {
    expect(fs.existsSync('/proc/self')).toBe(true);
    expect(() => prepareStaging('/proc/x/dist')).toThrow("ENOENT: no such file or directory, mkdir '/proc/x'");
  });
});

describe('claimOutputDir', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-claim-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('accepts a missing, an empty and a marked directory', () => {
    expect(() => claimOutputDir(path.join(root, 'new'), 'new')).not.toThrow();
    fs.mkdirSync(path.join(root, 'empty'));
    expect(() => claimOutputDir(path.join(root, 'empty'), 'empty')).not.toThrow();
    write(root, { [`marked/${OUTPUT_MARKER}`]: OUTPUT_MARKER_TEXT, 'marked/README.md': 'notes' });
    expect(() => claimOutputDir(path.join(root, 'marked'), 'marked')).not.toThrow();
  });

  test('fails on a file, an unmarked directory and a marker of another tool', () => {
    write(root, { 'file.txt': 'x', 'notes/a.md': 'x', [`other/${OUTPUT_MARKER}`]: 'written by another tool\n' });
    expect(() => claimOutputDir(path.join(root, 'file.txt'), 'file.txt')).toThrow(
      new OutputRefusedError('file.txt is a file, not a folder; synth writes only into a new or empty folder or one it wrote before: choose another output folder (--out)'),
    );
    const unmarked = (name: string) =>
      new OutputRefusedError(`${name}/ is not empty and has no .mlp-output file of an earlier mlp synth, so synth does not write into it: choose a new or empty output folder (--out)`);
    expect(() => claimOutputDir(path.join(root, 'notes'), 'notes')).toThrow(unmarked('notes'));
    expect(() => claimOutputDir(path.join(root, 'other'), 'other')).toThrow(unmarked('other'));
  });
});

describe('classifyEntry', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-classify-'));
    const generated = `${GENERATED_HEADER}tenants/a.yaml. Edit that file, not this one.\nkind: Namespace\n`;
    write(root, { 'a/namespace-a.yaml': generated, 'a/deep/x.yaml': generated, 'b/namespace-b.yaml': generated, 'b/notes.txt': 'x', 'docs/index.md': 'x', 'README.md': 'x' });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('tells folders that synthesis wrote from those it wrote into and from the user\'s', () => {
    expect(classifyEntry(root, 'a')).toEqual({ owner: 'generated', generated: ['a/deep/x.yaml', 'a/namespace-a.yaml'] });
    expect(classifyEntry(root, 'b')).toEqual({ owner: 'mixed', generated: ['b/namespace-b.yaml'], foreign: 'b/notes.txt' });
    expect(classifyEntry(root, 'docs')).toEqual({ owner: 'user', generated: [], foreign: 'docs/index.md' });
    expect(classifyEntry(root, 'README.md')).toEqual({ owner: 'user', generated: [], foreign: 'README.md' });
  });
});
