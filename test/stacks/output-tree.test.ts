import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { prepareStaging, readTree, swapFolders } from '../../stacks/output-tree';

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
