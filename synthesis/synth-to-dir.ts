/**
 * `mlp synth`: the platform file and every tenant file → the output
 * directory, one folder per input file, in time linear in the number of
 * tenants and on every core.
 *
 * - Each tenant is synthesized in its own cdk8s App (stacks/synth.ts), as a
 *   task that worker threads and the main thread share (synthesis/synth-pool.ts).
 * - Only folders whose files changed are written: into a staging directory,
 *   then swapped in folder by folder under a journal, so that a failed run
 *   writes nothing and an interrupted one is rolled back by the next
 *   (synthesis/output-tree.ts).
 * - Incremental by default: a folder whose input file, platform file and
 *   library are unchanged since the last run, and which is still exactly as
 *   that run left it, is not synthesized at all (synthesis/synth-cache.ts).
 *   The output is the same either way; `incremental: false` ignores the cache.
 * - `check` compares instead of writing, never trusting the cache.
 * - It writes only into a directory of its own, and replaces or removes only
 *   the folders it wrote; every other entry is kept (synthesis/output-tree.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { displayPath, duplicateTenantProblem, listTenantFiles, loadPlatform, readSource } from '../config/load';
import { PolicyViolation, UnusedWaiver, violationProblem } from '../policy/evaluate';
import { Problem, ValidationError } from '../config/problems';
import { FolderOutcome, FolderTask, SynthContext } from './folder-synth';
import { OUTPUT_MARKER, OUTPUT_MARKER_TEXT, OutputRefusedError, TreeDifference, claimOutputDir, classifyEntry, prepareStaging, swapFolders, writeMarker } from './output-tree';
import { CachedFolder, SynthCache, cacheFileOf, emptyCache, folderSignature, inputKey, libraryKey, readCache, writeCache } from './synth-cache';
import { defaultWorkers, runFolderTasks } from './synth-pool';
import { compareNames } from '../lib/names';

export interface SynthToDirOptions {
  /** Path of the platform file. */
  readonly platformFile: string;
  /** Directory of tenant files. */
  readonly tenantsDir: string;
  /** The output directory. */
  readonly outDir: string;
  /**
   * Compare the output directory with what synthesis would write, and write
   * nothing; never uses the cache.
   * @default false
   */
  readonly check?: boolean;
  /**
   * Skip the folders whose inputs are unchanged since the last run; false
   * synthesizes every tenant (and still writes only changed folders).
   * @default true
   */
  readonly incremental?: boolean;
  /**
   * Worker threads besides the main thread.
   * @default - one per further core, none for fewer than MIN_TASKS_FOR_WORKERS tenants to synthesize
   */
  readonly workers?: number;
  /**
   * Key of the code that synthesizes, for the cache.
   * @default - libraryKey(): a hash of the package files and the running code that shapes manifests
   */
  readonly libraryKey?: string;
}

/** What a run did. */
export interface SynthSummary {
  /** Number of tenants. */
  readonly tenants: number;
  /** Number of files in the output directory (as it is now, or would be for a check). */
  readonly manifests: number;
  /** Input files synthesized; the others were skipped as unchanged. */
  readonly synthesized: number;
  /** Folders written, new or replaced (empty for a check). */
  readonly written: readonly string[];
  /** Those of {@link written} that did not exist before. */
  readonly added: readonly string[];
  /** Folders of the output directory removed because no input file writes them any more (empty for a check). */
  readonly removed: readonly string[];
  /** Policy violations the tenants waived, in platform-then-tenant order. */
  readonly waived: readonly PolicyViolation[];
  /** Waivers that waived nothing. */
  readonly unusedWaivers: readonly UnusedWaiver[];
  /** For a check: how the output directory differs (empty lists when it is current). */
  readonly difference?: TreeDifference;
}

/** A folder of this run: from a task's outcome or, when skipped, from the cache. */
interface Folder {
  /** The input file, as displayed. */
  readonly source: string;
  /** inputKey of the input file. */
  readonly input: string;
  /** Problems of the input file (set when it could not be read). */
  readonly problems?: readonly Problem[];
  readonly outcome?: FolderOutcome;
  readonly cached?: CachedFolder;
}

/**
 * Synthesizes the platform and every tenant into `outDir`, or compares.
 *
 * @throws ValidationError with every problem of every input file, or every
 * policy violation, when there are any; nothing is written then
 * @throws OutputRefusedError when `outDir` is not synthesis's own directory,
 * or a folder it would replace or remove holds a file it did not write;
 * nothing is written then
 */
export function synthToDir(options: SynthToDirOptions): SynthSummary {
  const outDir = path.resolve(options.outDir);
  const shown = displayPath(options.outDir).replace(/\/+$/, '') || '/';
  const problems: Problem[] = [];
  const platformFile = displayPath(options.platformFile);
  const platformText = readSource(options.platformFile, platformFile, []) ?? '';
  const platform = loadPlatform(options.platformFile, platformFile, problems);
  const listed = listTenantFiles(options.tenantsDir, problems);
  if (!listed || !platform) throw new ValidationError(problems);
  // Two files of one tenant (alpha.yaml, alpha.yml) would write one folder twice: keep the first, report the second.
  const duplicates: Problem[] = [];
  const stems = new Map<string, string>();
  const entries = listed.filter((entry) => {
    const stem = entry.replace(/\.ya?ml$/, '');
    const first = stems.get(stem);
    if (first === undefined) {
      stems.set(stem, entry);
      return true;
    }
    duplicates.push(duplicateTenantProblem(displayPath(path.join(options.tenantsDir, entry)), stem, displayPath(path.join(options.tenantsDir, first))));
    return false;
  });

  if (!options.check) claimOutputDir(outDir, shown);
  // Recover from an interrupted run first: the cache describes the output directory as it was before that run.
  const stagingDir = options.check ? undefined : prepareStaging(outDir);
  try {
    const context: SynthContext = { platform, platformFile, outDir, ...(stagingDir !== undefined && { stagingDir }) };
    const library = options.libraryKey ?? libraryKey();
    const platformKey = inputKey(platformFile, platformText);
    const cache = stagingDir === undefined || options.incremental === false ? undefined : readCache(cacheFileOf(outDir));
    const { folders, tasks } = plan(options, context, platformText, entries, cache?.library === library && cache.platform === platformKey ? cache : undefined, cache);

    for (const outcome of runFolderTasks(context, tasks, options.workers ?? defaultWorkers(tasks.length))) {
      folders[outcome.index] = { ...folders[outcome.index], outcome };
    }
    throwProblems(folders, duplicates);
    // Policies report in the order of the groups of synthesis: the platform, then the tenants by name.
    const ordered = [folders[0], ...folders.slice(1).sort((a, b) => compareNames(dirOf(a), dirOf(b)))];
    const violations = ordered.flatMap((folder) => folder.outcome?.violations ?? []);
    if (violations.length > 0) throw new ValidationError(violations.map(violationProblem));

    const dirs = new Set(folders.map(dirOf));
    const others = topLevelEntries(outDir)
      .filter((entry) => !dirs.has(entry) && entry !== OUTPUT_MARKER)
      .map((entry) => ({ entry, ...classifyEntry(outDir, entry) }));
    const summary = {
      tenants: entries.length,
      manifests: folders.reduce((sum, folder) => sum + (folder.outcome?.files ?? folder.cached?.files ?? 0), 0),
      synthesized: tasks.length,
      waived: ordered.flatMap((folder) => folder.outcome?.waived ?? folder.cached?.waived ?? []),
      unusedWaivers: ordered.flatMap((folder) => folder.outcome?.unusedWaivers ?? folder.cached?.unusedWaivers ?? []),
    };
    if (stagingDir === undefined) return { ...summary, written: [], added: [], removed: [], difference: checkDifference(outDir, folders, others) };

    const written = folders.filter((folder) => folder.outcome?.written);
    const added = written.filter((folder) => !fs.lstatSync(path.join(outDir, dirOf(folder)), { throwIfNoEntry: false })).map(dirOf);
    for (const folder of written) {
      const dir = dirOf(folder);
      const { foreign } = added.includes(dir) ? { foreign: undefined } : classifyEntry(outDir, dir);
      if (foreign === dir) throw new OutputRefusedError(`${shown}/${dir} is not a folder mlp wrote, and synth writes the folder of ${folder.source} there: move it out of ${shown}/`);
      if (foreign !== undefined) throw new OutputRefusedError(`${shown}/${foreign} was not written by mlp, and synth replaces the whole folder ${shown}/${dir}/ (from ${folder.source}): move the file out of ${shown}/${dir}/`);
    }
    for (const other of others) {
      if (other.owner === 'mixed') throw new OutputRefusedError(`${shown}/${other.foreign} was not written by mlp, and synth removes ${shown}/${other.entry}/ because no input file writes it any more: move the file out of ${shown}/${other.entry}/`);
    }
    const strays = others.filter((other) => other.owner === 'generated').map((other) => other.entry);
    writeMarker(fs.existsSync(outDir) ? outDir : stagingDir);
    swapFolders(outDir, stagingDir, written.map(dirOf), strays);
    if (cache === undefined || tasks.length > 0 || strays.length > 0) {
      const entriesByFile = Object.fromEntries(folders.map((folder) => [folder.source, cacheEntry(folder)]));
      writeCache(cacheFileOf(outDir), { ...emptyCache(library, platformKey), folders: entriesByFile });
    }
    return { ...summary, written: written.map(dirOf), added, removed: strays };
  } finally {
    if (stagingDir !== undefined) fs.rmSync(stagingDir, { recursive: true, force: true });
  }
}

/**
 * The folders of the run, index 0 the platform's and then the tenant files'
 * in name order, and the tasks of those that must be synthesized: all but
 * the folders that `valid` (a cache of the same code and platform file)
 * holds for the same input file and that are still as written.
 * `any` (a cache of possibly other code) still vouches for folders
 * that are intact, so that unchanged output needs no reading.
 */
function plan(
  options: SynthToDirOptions,
  context: SynthContext,
  platformText: string,
  entries: readonly string[],
  valid: SynthCache | undefined,
  any: SynthCache | undefined,
): { folders: Folder[]; tasks: FolderTask[] } {
  const folders: Folder[] = [];
  const tasks: FolderTask[] = [];
  const add = (index: number, kind: FolderTask['kind'], file: string, display: string, text: string) => {
    const input = inputKey(display, text);
    const cached = any?.folders[display];
    const intact = cached !== undefined && folderSignature(path.join(context.outDir, cached.dir)) === cached.signature;
    if (intact && valid !== undefined && cached.input === input) {
      folders[index] = { source: display, input, cached };
    } else {
      folders[index] = { source: display, input };
      tasks.push({ index, kind, file, display, text, ...(intact && { knownDigest: cached.digest, knownSignature: cached.signature }) });
    }
  };
  add(0, 'platform', options.platformFile, context.platformFile, platformText);
  entries.forEach((entry, position) => {
    const file = path.join(options.tenantsDir, entry);
    const display = displayPath(file);
    const problems: Problem[] = [];
    const text = readSource(file, display, problems);
    if (text === undefined) folders[position + 1] = { source: display, input: '', problems };
    else add(position + 1, 'tenant', file, display, text);
  });
  return { folders, tasks };
}

/** Every problem of the input files, and tenant names defined twice, as loadConfig reports them. */
function throwProblems(folders: readonly Folder[], duplicates: readonly Problem[]): void {
  const problems: Problem[] = [...duplicates];
  const byName = new Map<string, string>();
  folders.forEach((folder, index) => {
    problems.push(...(folder.problems ?? folder.outcome?.problems ?? []));
    if (index === 0 || (folder.outcome === undefined && folder.cached === undefined) || (folder.outcome?.problems.length ?? 0) > 0) return;
    const name = dirOf(folder);
    const other = byName.get(name);
    if (other !== undefined) problems.push(duplicateTenantProblem(folder.source, name, other));
    else byName.set(name, folder.source);
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

function dirOf(folder: Folder): string {
  return folder.cached?.dir ?? folder.outcome?.dir ?? '';
}

/** The entries of a directory; none when it does not exist. */
function topLevelEntries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * The folders' differences, the marker's, and as extra every generated file
 * of the folders no input file accounts for (the user's entries are no
 * concern of a check).
 */
function checkDifference(outDir: string, folders: readonly Folder[], others: readonly { generated: readonly string[] }[]): TreeDifference {
  const missing = folders.flatMap((folder) => folder.outcome?.difference?.missing ?? []);
  const changed = folders.flatMap((folder) => folder.outcome?.difference?.changed ?? []);
  const extra = [...folders.flatMap((folder) => folder.outcome?.difference?.extra ?? []), ...others.flatMap((other) => other.generated)];
  const marker = path.join(outDir, OUTPUT_MARKER);
  if (!fs.existsSync(marker)) missing.push(OUTPUT_MARKER);
  else if (fs.readFileSync(marker, 'utf8') !== OUTPUT_MARKER_TEXT) changed.push(OUTPUT_MARKER);
  return { missing: missing.sort(compareNames), changed: changed.sort(compareNames), extra: extra.sort(compareNames) };
}

/** What the cache keeps of a folder that was just synthesized or skipped. */
function cacheEntry(folder: Folder): CachedFolder {
  if (folder.cached) return folder.cached;
  const outcome = folder.outcome!;
  return {
    dir: outcome.dir!,
    input: folder.input,
    digest: outcome.digest!,
    files: outcome.files!,
    signature: outcome.signature!,
    waived: outcome.waived,
    unusedWaivers: outcome.unusedWaivers,
  };
}
