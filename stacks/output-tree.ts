/**
 * The output directory (`dist/`): written whole or not at all (the whole
 * tree, or only its changed folders, swapped in with renames), and compared
 * against what synthesis would write for `--check`.
 */
import * as fs from 'fs';
import * as path from 'path';

/** What differs between the output directory and the synthesized files. */
export interface TreeDifference {
  /** Files synthesis writes that the directory lacks. */
  readonly missing: readonly string[];
  /** Files the directory has that synthesis no longer writes. */
  readonly extra: readonly string[];
  /** Files whose content differs. */
  readonly changed: readonly string[];
}

/** Every file below `dir`, by path relative to it with `/` separators; empty when `dir` is absent. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (relative: string) => {
    const absolute = path.join(dir, relative);
    for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk('');
  return files;
}

/** Compares the directory with the files synthesis would write. */
export function compareTree(dir: string, files: ReadonlyMap<string, string>): TreeDifference {
  return compareFiles(readTree(dir), files);
}

/** Compares files as they are with the files synthesis would write. */
export function compareFiles(current: ReadonlyMap<string, string>, files: ReadonlyMap<string, string>): TreeDifference {
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [file, content] of files) {
    const existing = current.get(file);
    if (existing === undefined) missing.push(file);
    else if (existing !== content) changed.push(file);
  }
  const extra = [...current.keys()].filter((file) => !files.has(file)).sort();
  return { missing, extra, changed };
}

/**
 * Makes `dir` whole again after an interrupted run (see {@link swapFolders})
 * and returns a new, empty staging directory beside it, `<dir>.mlp-tmp-<pid>`.
 */
export function prepareStaging(dir: string): string {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverInterruptedSwap(target);
  const staging = `${target}.mlp-tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  return staging;
}

/**
 * Moves the folders `folders` of `staging` into `dir`, replacing the entries
 * of the same name, removes the entries `remove` of `dir`, and removes
 * `staging`: only changed folders are touched. Every replaced or removed
 * entry is first moved aside into `<dir>.mlp-old-<pid>`, after a journal
 * `<dir>.mlp-journal-<pid>.json` has recorded which folders are new; a run
 * that stops mid-way is rolled back by the next one ({@link prepareStaging}),
 * which leaves `dir` exactly as it was before. Without `dir`, `staging`
 * becomes it with one rename.
 *
 * @param options.stopAfter for tests: return after this many renames, as an interrupted run would
 */
export function swapFolders(dir: string, staging: string, folders: readonly string[], remove: readonly string[], options: { stopAfter?: number } = {}): void {
  const target = path.resolve(dir);
  if (!fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    swapWhole(target, staging);
    return;
  }
  const old = `${target}.mlp-old-${process.pid}`;
  const journal = `${target}.mlp-journal-${process.pid}.json`;
  const added = folders.filter((folder) => !fs.lstatSync(path.join(target, folder), { throwIfNoEntry: false }));
  fs.rmSync(old, { recursive: true, force: true });
  fs.mkdirSync(old);
  fs.writeFileSync(journal, JSON.stringify({ old: path.basename(old), added } satisfies SwapJournal));
  let renames = 0;
  const rename = (from: string, to: string) => {
    if (renames++ === options.stopAfter) return false;
    fs.renameSync(from, to);
    return true;
  };
  try {
    for (const entry of remove) {
      if (!rename(path.join(target, entry), path.join(old, entry))) return;
    }
    for (const folder of folders) {
      if (!added.includes(folder) && !rename(path.join(target, folder), path.join(old, folder))) return;
      if (!rename(path.join(staging, folder), path.join(target, folder))) return;
    }
  } catch (error) {
    rollBack(target, journal);
    throw error;
  }
  fs.rmSync(journal); // the swap is complete: what is left aside is garbage now
  fs.rmSync(old, { recursive: true, force: true });
  fs.rmSync(staging, { recursive: true, force: true });
}

/** What {@link swapFolders} records before its first rename. */
interface SwapJournal {
  /** The directory beside `dir` that holds the replaced and removed entries. */
  readonly old: string;
  /** Folders that did not exist in `dir`. */
  readonly added: readonly string[];
}

/** Replaces the whole of `target` with `staging`. */
function swapWhole(target: string, staging: string): void {
  const previous = `${target}.mlp-old-${process.pid}`;
  const hadPrevious = fs.existsSync(target);
  if (hadPrevious) fs.renameSync(target, previous);
  fs.renameSync(staging, target);
  if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
}

/**
 * Rolls back folder swaps that stopped mid-way, restores a tree left aside
 * by a whole swap that stopped between its two renames, and removes stale
 * staging trees.
 */
function recoverInterruptedSwap(target: string): void {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.mlp-`;
  const leftovers = () => fs.readdirSync(parent).filter((entry) => entry.startsWith(prefix)).sort();
  for (const entry of leftovers()) {
    if (entry.startsWith(`${prefix}journal-`)) rollBack(target, path.join(parent, entry));
  }
  for (const entry of leftovers()) {
    const full = path.join(parent, entry);
    if (entry.startsWith(`${prefix}old-`) && !fs.existsSync(target)) {
      fs.renameSync(full, target);
    } else {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }
}

/** Undoes the renames of a folder swap: removes the new folders and moves back what was moved aside. */
function rollBack(target: string, journalFile: string): void {
  let journal: SwapJournal;
  try {
    journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as SwapJournal;
  } catch {
    fs.rmSync(journalFile, { force: true }); // cut short while being written: nothing was renamed yet
    return;
  }
  const old = path.join(path.dirname(target), journal.old);
  for (const folder of journal.added) fs.rmSync(path.join(target, folder), { recursive: true, force: true });
  if (fs.existsSync(old)) {
    fs.mkdirSync(target, { recursive: true });
    for (const entry of fs.readdirSync(old)) {
      fs.rmSync(path.join(target, entry), { recursive: true, force: true });
      fs.renameSync(path.join(old, entry), path.join(target, entry));
    }
  }
  fs.rmSync(journalFile);
}
