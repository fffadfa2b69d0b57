/**
 * What the last `mlp synth` wrote, so that the next one skips the tenants
 * whose input did not change: one JSON file beside the output directory,
 * `.<dir>.mlp-cache.json` (`.dist.mlp-cache.json`), never inside it, so that
 * neither the committed tree nor `mlp synth --check` ever sees it.
 *
 * A folder is skipped only when everything its output depends on is
 * unchanged: the tenant file (its path and text), the platform file, and the
 * library (the package version and lock file and every file of the running
 * code that shapes manifests, {@link MANIFEST_CODE_DIRS}, so that a construct
 * change invalidates every tenant); and when the folder on disk is still exactly what was written:
 * the same file names, inodes, sizes and change times ({@link folderSignature}).
 * A deleted, edited, checked-out or copied folder therefore fails the check
 * and is synthesized again.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PolicyViolation, UnusedWaiver } from '../policy/evaluate';
import { compareNames } from '../lib/names';

/** Bumped when the cache format or the meaning of its keys changes. */
const CACHE_VERSION = 1;

/** What was written for one input file. */
export interface CachedFolder {
  /** The output folder: the tenant name, or the platform's folder. */
  readonly dir: string;
  /** {@link inputKey} of the input file. */
  readonly input: string;
  /** {@link filesDigest} of the folder's files. */
  readonly digest: string;
  /** Number of files in the folder. */
  readonly files: number;
  /** {@link folderSignature} of the folder right after it was written. */
  readonly signature: string;
  /** Policy violations the tenant waived, reported again when the folder is skipped. */
  readonly waived: readonly PolicyViolation[];
  /** The tenant's waivers that waived nothing. */
  readonly unusedWaivers: readonly UnusedWaiver[];
}

export interface SynthCache {
  readonly version: number;
  /** {@link libraryKey} of the code that wrote the folders. */
  readonly library: string;
  /** {@link inputKey} of the platform file. */
  readonly platform: string;
  /** By input file, as displayed in the manifests' headers. */
  readonly folders: Readonly<Record<string, CachedFolder>>;
}

/** The cache file of an output directory: `.<name>.mlp-cache.json` beside it. */
export function cacheFileOf(outDir: string): string {
  const absolute = path.resolve(outDir);
  return path.join(path.dirname(absolute), `.${path.basename(absolute)}.mlp-cache.json`);
}

/** A new cache. */
export function emptyCache(library: string, platform: string): SynthCache {
  return { version: CACHE_VERSION, library, platform, folders: {} };
}

/** The cache in `file`; undefined when it is absent, unreadable or of another version. */
export function readCache(file: string): SynthCache | undefined {
  try {
    const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthCache;
    return cache.version === CACHE_VERSION && typeof cache.folders === 'object' && cache.folders !== null ? cache : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache with a rename, so that a reader never sees half a file. */
export function writeCache(file: string, cache: SynthCache): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(cache));
  fs.renameSync(temporary, file);
}

/** Hash of an input file: its path as displayed (it is in every header) and its text. */
export function inputKey(display: string, text: string): string {
  return crypto.createHash('sha256').update(display).update('\0').update(text).digest('hex');
}

/** Hash of a folder's rendered files, by path. */
export function filesDigest(files: ReadonlyMap<string, string>): string {
  const hash = crypto.createHash('sha256');
  for (const [file, content] of files) hash.update(file).update('\0').update(content).update('\0');
  return hash.digest('hex');
}

/** What identifies one file on disk for {@link folderSignature}. */
export interface FileIdentity {
  readonly name: string;
  readonly stats: fs.Stats;
}

/** Signature of a folder's files, in name order: changes when any file is added, removed, replaced or written. */
export function signatureOf(files: readonly FileIdentity[]): string {
  const hash = crypto.createHash('sha256');
  for (const { name, stats } of [...files].sort((a, b) => compareNames(a.name, b.name))) {
    const kind = stats.isFile() ? 'f' : 'o';
    hash.update(`${name}\0${kind}\0${stats.ino}\0${stats.size}\0${stats.ctimeMs}\0${stats.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** {@link signatureOf} the entries of `dir` as they are now; undefined when it is not a directory. */
export function folderSignature(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const files: FileIdentity[] = [];
  for (const name of names) {
    const stats = fs.lstatSync(`${dir}/${name}`, { throwIfNoEntry: false });
    if (!stats) return undefined;
    files.push({ name, stats });
  }
  return signatureOf(files);
}

/**
 * The code folders whose files decide what synthesis writes: the constructs,
 * the configuration they are given, the policies that can refuse it, the
 * composition and the renderer. The review tools, the command line and the
 * Pulumi program (stacks/pulumi, {@link MANIFEST_CODE_EXCLUDED}) do not
 * shape manifests, so editing them keeps the cache.
 */
export const MANIFEST_CODE_DIRS: readonly string[] = ['lib', 'config', 'policy', 'stacks', 'synthesis'];
/** Folders below {@link MANIFEST_CODE_DIRS} that do not shape manifests. */
export const MANIFEST_CODE_EXCLUDED: readonly string[] = ['stacks/pulumi'];

let library: string | undefined;

/**
 * {@link codeKey} of the running code (build/ when run from the build, the
 * TypeScript sources under ts-jest). Computed once per process.
 */
export function libraryKey(): string {
  library ??= codeKey(path.resolve(__dirname, '..'));
  return library;
}

/**
 * Hash of the code below `codeRoot` that shapes manifests: package.json,
 * package-lock.json when present, and every file below the
 * {@link MANIFEST_CODE_DIRS} except {@link MANIFEST_CODE_EXCLUDED}.
 */
export function codeKey(codeRoot: string): string {
  return hashTree(
    MANIFEST_CODE_DIRS.map((dir) => path.join(codeRoot, dir)),
    packageFiles(codeRoot),
    MANIFEST_CODE_EXCLUDED.map((dir) => path.join(codeRoot, dir)),
  );
}

/** Hash of the files below `dirs` except those below `excluded` (by path relative to each and content), and of `extraFiles`. */
export function hashTree(dirs: readonly string[], extraFiles: readonly string[] = [], excluded: readonly string[] = []): string {
  const hash = crypto.createHash('sha256');
  const add = (label: string, file: string) => hash.update(label).update('\0').update(fs.readFileSync(file)).update('\0');
  const skip = new Set(excluded.map((dir) => path.resolve(dir)));
  for (const file of extraFiles) add(path.basename(file), file);
  for (const dir of dirs) {
    const walk = (relative: string) => {
      const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => compareNames(a.name, b.name));
      for (const entry of entries) {
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!skip.has(path.resolve(dir, child))) walk(child);
        } else if (entry.isFile()) add(`${path.basename(dir)}/${child}`, path.join(dir, child));
      }
    };
    walk('');
  }
  return hash.digest('hex');
}

/** package.json and package-lock.json of the package that holds `codeRoot` (the repository, or build/'s parent). */
function packageFiles(codeRoot: string): string[] {
  for (let dir = codeRoot; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return [manifest, path.join(dir, 'package-lock.json')].filter((file) => fs.existsSync(file));
    if (path.dirname(dir) === dir) return [];
  }
}
