import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheFileOf, codeKey, emptyCache, folderSignature, hashTree, libraryKey, readCache, writeCache } from '../../synthesis/synth-cache';

/** Waits long enough for file times to tick (they advance in steps of a few milliseconds). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('synth cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a folder signature changes when a file is rewritten in place, replaced, added or removed', async () => {
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'one');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'two');
    const signatures = [folderSignature(dir)];
    expect(folderSignature(dir)).toBe(signatures[0]);

    await tick();
    const fd = fs.openSync(path.join(dir, 'a.yaml'), 'r+');
    fs.writeSync(fd, 'ONE', 0); // same size, same inode
    fs.closeSync(fd);
    signatures.push(folderSignature(dir));
    fs.writeFileSync(path.join(dir, 'b.tmp'), 'two');
    fs.renameSync(path.join(dir, 'b.tmp'), path.join(dir, 'b.yaml'));
    signatures.push(folderSignature(dir));
    fs.writeFileSync(path.join(dir, 'c.yaml'), '');
    signatures.push(folderSignature(dir));
    fs.rmSync(path.join(dir, 'c.yaml'));
    signatures.push(folderSignature(dir));

    // Each step changes the signature; removing c restores the folder, and its signature, of before c.
    expect(signatures.slice(1).map((signature, index) => signature !== signatures[index])).toEqual([true, true, true, true]);
    expect(signatures[4]).toBe(signatures[2]);
    expect(folderSignature(path.join(dir, 'absent'))).toBeUndefined();
  });

  test('the library key covers the content and the names of the code files', () => {
    fs.mkdirSync(path.join(dir, 'lib', 'schema'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'a.js'), 'exports.a = 1;');
    fs.writeFileSync(path.join(dir, 'lib', 'schema', 'b.js'), 'exports.b = 1;');
    const keys = [hashTree([path.join(dir, 'lib')])];
    expect(hashTree([path.join(dir, 'lib')])).toBe(keys[0]);
    fs.writeFileSync(path.join(dir, 'lib', 'schema', 'b.js'), 'exports.b = 2;');
    keys.push(hashTree([path.join(dir, 'lib')]));
    fs.renameSync(path.join(dir, 'lib', 'schema', 'b.js'), path.join(dir, 'lib', 'schema', 'c.js'));
    keys.push(hashTree([path.join(dir, 'lib')]));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"version": "1.0.0"}');
    keys.push(hashTree([path.join(dir, 'lib')], [path.join(dir, 'package.json')]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(libraryKey()).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the code key changes with the code that shapes manifests, and not with the review tools, the command line or the Pulumi program', () => {
    const write = (relative: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      fs.writeFileSync(path.join(dir, relative), text);
    };
    write('package.json', '{"version": "1.0.0"}');
    const code = ['lib/a.js', 'config/b.js', 'policy/c.js', 'stacks/d.js', 'stacks/pulumi/e.js', 'synthesis/f.js', 'review/g.js', 'cli/h.js'];
    for (const file of code) write(file, 'exports.x = 1;');
    const before = codeKey(dir);
    const keyAfterEditing = (file: string) => {
      write(file, 'exports.x = 2;');
      const key = codeKey(dir);
      write(file, 'exports.x = 1;');
      return key;
    };
    expect(codeKey(dir)).toBe(before);
    const changes = Object.fromEntries(code.map((file) => [file, keyAfterEditing(file) !== before]));
    expect(changes).toEqual({
      'lib/a.js': true,
      'config/b.js': true,
      'policy/c.js': true,
      'stacks/d.js': true,
      'stacks/pulumi/e.js': false,
      'synthesis/f.js': true,
      'review/g.js': false,
      'cli/h.js': false,
    });
    write('stacks/pulumi/new.js', '');
    write('review/new.js', '');
    expect(codeKey(dir)).toBe(before);
    write('lib/new.js', '');
    expect(codeKey(dir)).not.toBe(before);
  });

  test('reads back what it wrote, and nothing from a damaged or foreign file', () => {
    const file = cacheFileOf(path.join(dir, 'dist'));
    expect(file).toBe(path.join(dir, '.dist.mlp-cache.json'));
    expect(readCache(file)).toBeUndefined();
    writeCache(file, emptyCache('code', 'platform'));
    expect(readCache(file)).toEqual(emptyCache('code', 'platform'));
    expect(fs.readdirSync(dir)).toEqual(['.dist.mlp-cache.json']);
    fs.writeFileSync(file, '{"version": 1, "folders": {');
    expect(readCache(file)).toBeUndefined();
    fs.writeFileSync(file, JSON.stringify({ ...emptyCache('code', 'platform'), version: 0 }));
    expect(readCache(file)).toBeUndefined();
  });
});
