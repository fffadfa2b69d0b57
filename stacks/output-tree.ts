/**
 * The output directory (`dist/`): written whole or not at all, and compared
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
  const current = readTree(dir);
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
 * Replaces `dir` with exactly `files`. The new tree is written beside it
 * first and swapped in with renames, so an interrupted run leaves the
 * previous tree in place (or, if it stops between the two renames, in
 * `<dir>.mlp-old-*`, which the next run restores before anything else).
 */
export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(path.resolve(dir));
  const base = path.basename(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  recoverInterruptedSwap(parent, base);

  const staging = path.join(parent, `${base}.mlp-tmp-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  for (const [file, content] of files) {
    const target = path.join(staging, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }

  const target = path.join(parent, base);
  const previous = path.join(parent, `${base}.mlp-old-${process.pid}`);
  const hadPrevious = fs.existsSync(target);
  if (hadPrevious) fs.renameSync(target, previous);
  fs.renameSync(staging, target);
  if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
}

/** Restores a tree left aside by a run that stopped mid-swap, and removes stale staging trees. */
function recoverInterruptedSwap(parent: string, base: string): void {
  const leftovers = fs.readdirSync(parent).filter((entry) => entry.startsWith(`${base}.mlp-`));
  const target = path.join(parent, base);
  for (const entry of leftovers.sort()) {
    const full = path.join(parent, entry);
    if (entry.startsWith(`${base}.mlp-old-`) && !fs.existsSync(target)) {
      fs.renameSync(full, target);
    } else {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }
}
