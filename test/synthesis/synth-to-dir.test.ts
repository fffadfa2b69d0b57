import * as fs from 'fs';
import * as path from 'path';
import { syntheticTenant } from '../../bench/synthetic-tenants';
import { loadConfig } from '../../config/load';
import { ValidationError } from '../../config/problems';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT, compareTree, readTree } from '../../synthesis/output-tree';
import { synthesizeAll } from '../../stacks/synth';
import { renderGroups } from '../../synthesis/render';
import { cacheFileOf, folderSignature, readCache, writeCache } from '../../synthesis/synth-cache';
import { SynthToDirOptions, synthToDir } from '../../synthesis/synth-to-dir';
import { OutputRefusedError } from '../../synthesis/output-tree';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR, minimalTenant, scratchProject } from '../support/fixtures';

/** Inode and modification time of every file below `dir`, by path. */
function fileIdentities(dir: string): Map<string, string> {
  return new Map(
    [...readTree(dir).keys()].map((file) => {
      const stats = fs.statSync(path.join(dir, file));
      return [file, `${stats.ino}:${stats.mtimeMs}`];
    }),
  );
}

/** What `run` throws; fails the test when it returns. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call returned');
}

/** The files of a tree whose identity differs between two snapshots. */
function touched(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((file) => before.get(file) !== after.get(file)).sort();
}

describe('synthToDir', () => {
  let project: ReturnType<typeof scratchProject>;
  let options: SynthToDirOptions;
  const outDir = () => path.join(project.dir, 'dist');
  beforeEach(() => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': syntheticTenant(1).replace(/team-00001/g, 'beta'), 'gamma.yaml': minimalTenant('gamma') });
    options = { platformFile: project.platformFile, tenantsDir: project.tenantsDir, outDir: path.join(project.dir, 'dist'), libraryKey: 'library-1', workers: 0 };
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('writes exactly the files of in-memory synthesis', () => {
    const summary = synthToDir({ ...options, tenantsDir: FIXTURE_TENANTS_DIR, platformFile: FIXTURE_PLATFORM_FILE });
    const expected = renderGroups(synthesizeAll(loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR })));
    const tree = readTree(outDir());
    expect(tree.get(OUTPUT_MARKER)).toBe(OUTPUT_MARKER_TEXT);
    tree.delete(OUTPUT_MARKER);
    expect(tree).toEqual(expected);
    const folders = ['_platform', 'analytics', 'nlp', 'vision'];
    expect(summary).toMatchObject({ tenants: 3, manifests: expected.size, synthesized: 4, written: folders, added: folders, removed: [] });
  });

  test('gives byte-identical output on worker threads and on the main thread alone', () => {
    const tenants = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`team-${String(index).padStart(5, '0')}.yaml`, syntheticTenant(index)]));
    const many = scratchProject(tenants);
    try {
      const base = { platformFile: many.platformFile, tenantsDir: many.tenantsDir, libraryKey: 'library-1' };
      const parallel = synthToDir({ ...base, outDir: path.join(many.dir, 'parallel'), workers: 1 });
      const sequential = synthToDir({ ...base, outDir: path.join(many.dir, 'sequential'), workers: 0 });
      expect(parallel).toEqual(sequential);
      expect(parallel.synthesized).toBe(12);
      expect(readTree(path.join(many.dir, 'parallel'))).toEqual(readTree(path.join(many.dir, 'sequential')));
      expect(readTree(path.join(many.dir, 'parallel')).size).toBe(parallel.manifests + 1); // and the marker
    } finally {
      fs.rmSync(many.dir, { recursive: true, force: true });
    }
  });

  test('skips every folder on an unchanged re-run and touches no file', () => {
    synthToDir(options);
    const before = fileIdentities(outDir());
    const summary = synthToDir(options);
    expect(summary).toMatchObject({ synthesized: 0, written: [], removed: [], manifests: before.size - 1 }); // all but the marker
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);
  });

  test('synthesizes again only a changed tenant file and rewrites only its folder, as a full run would', () => {
    synthToDir(options);
    const before = fileIdentities(outDir());
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);

    const summary = synthToDir(options);

    expect(summary).toMatchObject({ synthesized: 1, written: ['alpha'] });
    const rewritten = touched(before, fileIdentities(outDir()));
    expect(rewritten).toContain('alpha/resourcequota-tenant-quota.yaml');
    expect(rewritten.filter((file) => !file.startsWith('alpha/'))).toEqual([]);
    const full = path.join(project.dir, 'full');
    synthToDir({ ...options, outDir: full, incremental: false });
    expect(readTree(outDir())).toEqual(readTree(full));
  });

  test('synthesizes every tenant again when the platform file changes, and rewrites only folders whose files change', () => {
    synthToDir(options);
    const before = fileIdentities(outDir());
    fs.appendFileSync(project.platformFile, '# a comment changes no manifest\n');
    expect(synthToDir(options)).toMatchObject({ synthesized: 4, written: [] });
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);

    const text = fs.readFileSync(project.platformFile, 'utf8');
    fs.writeFileSync(project.platformFile, text.replace('name: ml-gateway', 'name: edge-gateway'));
    expect(synthToDir(options)).toMatchObject({ synthesized: 4, written: ['beta'] });
  });

  test('synthesizes every tenant again when the library changes', () => {
    synthToDir(options);
    expect(synthToDir({ ...options, libraryKey: 'library-2' })).toMatchObject({ synthesized: 4, written: [] });
    expect(synthToDir({ ...options, libraryKey: 'library-2' })).toMatchObject({ synthesized: 0 });
  });

  test('synthesizes again a folder that was edited, deleted or added to since the last run, and keeps the files of the user beside them', () => {
    synthToDir(options);
    const expected = readTree(outDir());
    fs.appendFileSync(path.join(outDir(), 'alpha', 'namespace-alpha.yaml'), '# edited by hand\n');
    fs.rmSync(path.join(outDir(), 'beta'), { recursive: true });
    const stray = fs.readFileSync(path.join(outDir(), 'gamma', 'namespace-gamma.yaml'), 'utf8');
    fs.writeFileSync(path.join(outDir(), 'gamma', 'namespace-old.yaml'), stray);
    fs.writeFileSync(path.join(outDir(), 'README'), 'notes of the user');

    const summary = synthToDir(options);

    expect(summary).toMatchObject({ synthesized: 3, written: ['alpha', 'beta', 'gamma'], added: ['beta'], removed: [] });
    expect(readTree(outDir())).toEqual(new Map([...expected, ['README', 'notes of the user']]));
  });

  test('fails when a folder it would replace holds a file it did not write, and touches nothing', () => {
    synthToDir(options);
    fs.writeFileSync(path.join(outDir(), 'gamma', 'notes.txt'), 'notes of the user');
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), `${minimalTenant('gamma')}  quota:\n    pods: 7\n`);
    const before = fileIdentities(outDir());

    expect(() => synthToDir(options)).toThrow(
      new OutputRefusedError(
        `${outDir()}/gamma/notes.txt was not written by mlp, and synth replaces the whole folder ${outDir()}/gamma/ (from ${project.tenantsDir}/gamma.yaml): move the file out of ${outDir()}/gamma/`,
      ),
    );
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);
    expect(fileIdentities(outDir()).size).toBe(before.size);
  });

  test('fails when a folder of the user has the name of a new tenant, and touches nothing', () => {
    synthToDir(options);
    fs.mkdirSync(path.join(outDir(), 'delta'));
    fs.writeFileSync(path.join(outDir(), 'delta', 'plan.md'), 'what team delta will need');
    fs.writeFileSync(path.join(project.tenantsDir, 'delta.yaml'), minimalTenant('delta'));
    const before = fileIdentities(outDir());

    expect(() => synthToDir(options)).toThrow(
      new OutputRefusedError(
        `${outDir()}/delta/plan.md was not written by mlp, and synth replaces the whole folder ${outDir()}/delta/ (from ${project.tenantsDir}/delta.yaml): move the file out of ${outDir()}/delta/`,
      ),
    );
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);
    expect(fileIdentities(outDir()).size).toBe(before.size);
  });

  test('fails when the folder of a deleted tenant holds a file it did not write, and touches nothing', () => {
    synthToDir(options);
    fs.writeFileSync(path.join(outDir(), 'gamma', 'notes.txt'), 'notes of the user');
    fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml'));
    const before = fileIdentities(outDir());

    expect(() => synthToDir(options)).toThrow(
      new OutputRefusedError(
        `${outDir()}/gamma/notes.txt was not written by mlp, and synth removes ${outDir()}/gamma/ because no input file writes it any more: move the file out of ${outDir()}/gamma/`,
      ),
    );
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);
    expect(fileIdentities(outDir()).size).toBe(before.size);
  });

  test('keeps folders and files of the user in the output directory, and --check ignores them', () => {
    synthToDir(options);
    fs.mkdirSync(path.join(outDir(), 'docs'));
    fs.writeFileSync(path.join(outDir(), 'docs', 'index.md'), '# notes');
    fs.writeFileSync(path.join(outDir(), 'README.md'), 'what dist/ is');
    fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml'));

    expect(synthToDir(options)).toMatchObject({ written: [], removed: ['gamma'] });

    expect(fs.readFileSync(path.join(outDir(), 'docs', 'index.md'), 'utf8')).toBe('# notes');
    expect(fs.readFileSync(path.join(outDir(), 'README.md'), 'utf8')).toBe('what dist/ is');
    expect(synthToDir({ ...options, check: true }).difference).toEqual({ missing: [], changed: [], extra: [] });
  });

  test('--check lists a missing or changed marker', () => {
    synthToDir(options);
    fs.writeFileSync(path.join(outDir(), OUTPUT_MARKER), `${OUTPUT_MARKER_TEXT}# edited\n`);
    expect(synthToDir({ ...options, check: true }).difference).toEqual({ missing: [], changed: [OUTPUT_MARKER], extra: [] });
    fs.rmSync(path.join(outDir(), OUTPUT_MARKER));
    expect(synthToDir({ ...options, check: true }).difference).toEqual({ missing: [OUTPUT_MARKER], changed: [], extra: [] });
  });

  test('removes the folder of a deleted tenant', () => {
    synthToDir(options);
    fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml'));
    expect(synthToDir(options)).toMatchObject({ synthesized: 0, written: [], removed: ['gamma'] });
    expect(fs.existsSync(path.join(outDir(), 'gamma'))).toBe(false);
  });

  test('keeps its cache beside the output directory, never in it', () => {
    synthToDir(options);
    expect(cacheFileOf(outDir())).toBe(path.join(project.dir, '.dist.mlp-cache.json'));
    const sources = [project.platformFile, ...['alpha', 'beta', 'gamma'].map((name) => path.join(project.tenantsDir, `${name}.yaml`))];
    expect(Object.keys(readCache(cacheFileOf(outDir()))!.folders).sort()).toEqual(sources.sort());
    expect([...readTree(outDir()).keys()].filter((file) => !/^(_platform|alpha|beta|gamma)\//.test(file))).toEqual([OUTPUT_MARKER]);
  });

  test('--check never trusts the cache', () => {
    synthToDir(options);
    // An edit the cache is made to vouch for: an incremental run now skips the folder...
    const file = path.join(outDir(), 'alpha', 'namespace-alpha.yaml');
    fs.appendFileSync(file, '# edited by hand\n');
    const cache = readCache(cacheFileOf(outDir()))!;
    const key = Object.keys(cache.folders).find((source) => source.endsWith('alpha.yaml'))!;
    writeCache(cacheFileOf(outDir()), { ...cache, folders: { ...cache.folders, [key]: { ...cache.folders[key], signature: folderSignature(path.join(outDir(), 'alpha'))! } } });
    expect(synthToDir(options).synthesized).toBe(0);

    // ...but --check reads every file.
    const summary = synthToDir({ ...options, check: true });
    expect(summary.difference).toEqual({ missing: [], changed: ['alpha/namespace-alpha.yaml'], extra: [] });
    expect(summary.synthesized).toBe(4);
    expect(fs.readFileSync(file, 'utf8')).toContain('# edited by hand');
  });

  test('--check lists missing, changed and extra files like compareTree', () => {
    synthToDir(options);
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);
    fs.writeFileSync(path.join(project.tenantsDir, 'delta.yaml'), minimalTenant('delta'));
    fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml'));
    const expected = renderGroups(synthesizeAll(loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir })));

    const summary = synthToDir({ ...options, check: true });

    expect(summary.difference).toEqual(compareTree(outDir(), new Map([...expected, [OUTPUT_MARKER, OUTPUT_MARKER_TEXT]])));
    expect(summary.difference!.extra).toContain('gamma/namespace-gamma.yaml');
  });

  test('fails with the problems of every file and writes nothing', () => {
    synthToDir(options);
    const before = fileIdentities(outDir());
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  tier: gold\n`);
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yml'), minimalTenant('alpha'));
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), minimalTenant('delta'));

    const error = thrown(() => synthToDir(options));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((problem) => `${problem.file}: ${problem.message}`)).toEqual([
      `${path.join(project.tenantsDir, 'alpha.yaml')}: expected one of critical, standard, batch, got "gold"`,
      // A second file of one tenant is refused before either is read, so it is reported even when the first is invalid.
      `${path.join(project.tenantsDir, 'alpha.yml')}: tenant "alpha" is already defined in ${path.join(project.tenantsDir, 'alpha.yaml')}; tenant names must be unique`,
      `${path.join(project.tenantsDir, 'gamma.yaml')}: "delta" differs from the file name "gamma.yaml"; rename the file to delta.yaml or change metadata.name`,
    ]);
    expect(touched(before, fileIdentities(outDir()))).toEqual([]);
    expect(fs.readdirSync(project.dir).sort()).toEqual(['.dist.mlp-cache.json', 'dist', 'platform.yaml', 'tenants']);
  });

  test('reports a tenant name defined by two files', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yml'), minimalTenant('alpha'));
    expect(() => synthToDir(options)).toThrow(/tenants\/alpha\.yml: metadata\.name: tenant "alpha" is already defined in .*tenants\/alpha\.yaml/);
  });
});
