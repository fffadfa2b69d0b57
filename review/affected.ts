/**
 * `mlp affected`: the Pulumi stacks whose objects differ between a git
 * revision and the work tree, so that a pull request previews and a push
 * deploys only those.
 *
 * What a revision deployed is its committed output folder (CI keeps it
 * current with `mlp synth --check`): per folder, the blobs of
 * `git ls-tree -r REF dist/` are compared with the work tree's synthesis,
 * rendered in memory to the exact bytes `mlp synth` writes and hashed as git
 * blobs. A folder that differs in any file (added, removed, changed) affects
 * its stack: `_platform` the platform stack, `<tenant>` the tenant's stack.
 * A change of the Pulumi program itself (stacks/pulumi/, Pulumi.yaml, the
 * Pulumi packages' versions in package-lock.json) affects every stack, as
 * does a revision without an output folder to compare with.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { displayPath } from '../config/load';
import { ValidationError } from '../config/problems';
import { compareNames } from '../lib/names';
import { PLATFORM_STACK, sortStackNames, tenantStackName } from '../stacks/stack-names';
import { PLATFORM_DIR } from '../stacks/synth';
import { fileAtCommit, git, repositoryPath, resolveBase } from './git-base';
import { SettingsChanges, settingsChanges } from './settings-changes';

/** The files of the Pulumi program, relative to the project folder: a change in any affects every stack. */
export const PROGRAM_PATHS = ['stacks/pulumi', 'Pulumi.yaml'] as const;

/** The packages whose version in package-lock.json is part of the program. */
export const PROGRAM_PACKAGES = ['@pulumi/pulumi', '@pulumi/kubernetes'] as const;

export interface AffectedOptions {
  /** The git revision to compare against, as the user named it. */
  readonly base: string;
  /**
   * The work tree's synthesis: file contents by path relative to the output
   * folder (`nlp/namespace-nlp.yaml`), as synthesis/render.ts renderGroups gives them.
   */
  readonly files: ReadonlyMap<string, string>;
  /** The output folder whose committed files are the revision's objects, relative to `project`. */
  readonly outDir: string;
  /**
   * The first words of every file mlp synth writes (synthesis/output-tree.ts
   * GENERATED_HEADER): a folder of the revision's output folder whose files
   * do not begin with them is the user's (notes kept beside the output), not a stack's.
   */
  readonly generatedHeader: string;
  /** The folder of the tenant files, for the stacks of a revision without an output folder. */
  readonly tenantsDir: string;
  /**
   * The project folder: where Pulumi.yaml, stacks/pulumi/ and package-lock.json are.
   * @default - the working directory
   */
  readonly project?: string;
  /**
   * The environment's settings file (e.g. Pulumi.prod.yaml), relative to `project`: a change of its
   * `config:` affects stacks too (review/settings-changes.ts).
   * @default - none: settings are not compared
   */
  readonly configFile?: string;
}

/** A stack and why it is affected. */
export interface AffectedStack {
  /** The stack's name, as stacks/stack-names.ts names it. */
  readonly stack: string;
  /** One line for people: what differs. */
  readonly reason: string;
}

export interface Affected {
  /** The revision as the user named it. */
  readonly ref: string;
  /** The commit it names. */
  readonly commit: string;
  /** The affected stacks in deploy order (platform first, then by tenant name). */
  readonly stacks: readonly AffectedStack[];
}

/**
 * The stacks whose objects or program differ between `options.base` and the work tree.
 *
 * @throws ValidationError when the project is not in a git repository or the revision names no commit
 */
export function affectedStacks(options: AffectedOptions): Affected {
  const project = path.resolve(options.project ?? process.cwd());
  const { root, commit } = resolveBase(options.base, 'mlp affected', project);
  const ref = options.base;
  const hash = blobHasher(root);
  const current = groupFiles([...options.files].map(([file, text]) => [file, hash(Buffer.from(text, 'utf8'))]));

  const distPath = repositoryPath(root, path.resolve(project, options.outDir), 'mlp affected');
  if (distPath === '') {
    throw new ValidationError([{ file: displayPath(options.outDir), message: `is the top of the git repository; mlp affected compares the output folder of mlp synth (e.g. dist): name that folder` }]);
  }
  const based = groupFiles(listBlobs(root, commit, distPath).map(({ file, object }) => [file, object]));
  const shownDist = `${displayPath(options.outDir).replace(/\/+$/, '')}/`;

  const program = programChanges(root, commit, project, ref, hash);
  const settings: SettingsChanges = options.configFile === undefined ? { tenants: new Map() } : settingsChanges(root, commit, ref, project, options.configFile);
  if (based.size === 0 || program.length > 0 || settings.every !== undefined) {
    const reason = based.size === 0 ? `${ref} has no ${shownDist} to compare with (commit the output of npx mlp synth)` : [...program, ...(settings.every === undefined ? [] : [settings.every])].join('; ');
    const dirs = new Set([PLATFORM_DIR, ...current.keys(), ...generatedDirs(root, based, current, options.generatedHeader), ...(based.size === 0 ? tenantFilesAt(root, commit, project, options.tenantsDir) : [])]);
    return { ref, commit, stacks: sortStacks([...dirs].map((dir) => ({ stack: stackOf(dir), reason }))) };
  }

  const reasons = new Map<string, string[]>();
  const add = (stack: string, reason: string) => reasons.set(stack, [...(reasons.get(stack) ?? []), reason]);
  for (const dir of new Set([...current.keys(), ...generatedDirs(root, based, current, options.generatedHeader)])) {
    const reason = folderChange(based.get(dir), current.get(dir), `${shownDist}${dir}/`);
    if (reason !== undefined) add(stackOf(dir), reason);
  }
  if (settings.platform !== undefined) add(PLATFORM_STACK, settings.platform);
  for (const [tenant, reason] of settings.tenants) add(tenantStackName(tenant), reason);
  return { ref, commit, stacks: sortStacks([...reasons].map(([stack, parts]) => ({ stack, reason: parts.join('; ') }))) };
}

/** The stack that deploys the objects of an output folder. */
function stackOf(dir: string): string {
  return dir === PLATFORM_DIR ? PLATFORM_STACK : tenantStackName(dir);
}

function sortStacks(stacks: readonly AffectedStack[]): AffectedStack[] {
  const byName = new Map(stacks.map((entry) => [entry.stack, entry]));
  return sortStackNames(byName.keys()).map((stack) => byName.get(stack)!);
}

/** Blob ids by file name, by folder: `nlp/namespace-nlp.yaml` → folder `nlp`, file `namespace-nlp.yaml`. */
function groupFiles(entries: ReadonlyArray<readonly [string, string]>): Map<string, Map<string, string>> {
  const groups = new Map<string, Map<string, string>>();
  for (const [file, object] of entries) {
    const slash = file.indexOf('/');
    if (slash < 0) continue; // the marker, a README: not a folder of objects
    const dir = file.slice(0, slash);
    if (!groups.has(dir)) groups.set(dir, new Map());
    groups.get(dir)!.set(file.slice(slash + 1), object);
  }
  return groups;
}

/**
 * The folders of the revision's output folder that mlp synth wrote; a folder
 * of the user's (notes beside the output) is not a stack's. A folder counts
 * as written by synth when one of its files begins with the generated header;
 * the folders in `known` (those the work tree's synthesis writes) are not read.
 */
function generatedDirs(root: string, based: ReadonlyMap<string, ReadonlyMap<string, string>>, known: ReadonlyMap<string, unknown>, header: string): string[] {
  return [...based]
    .filter(([dir, files]) => {
      if (known.has(dir)) return true;
      const [object] = [...files.values()];
      return object !== undefined && git(['cat-file', 'blob', object], root).startsWith(header);
    })
    .map(([dir]) => dir);
}

/** What differs in one folder, or undefined when nothing does. */
function folderChange(before: ReadonlyMap<string, string> | undefined, after: ReadonlyMap<string, string> | undefined, shown: string): string | undefined {
  if (before === undefined) return `${objects(after!.size)} added (${shown} is new)`;
  if (after === undefined) return `${objects(before.size)} removed (${shown} is gone)`;
  const added = [...after.keys()].filter((file) => !before.has(file));
  const removed = [...before.keys()].filter((file) => !after.has(file));
  const changed = [...after].filter(([file, object]) => before.has(file) && before.get(file) !== object).map(([file]) => file);
  const parts = [
    ...(changed.length > 0 ? [`${objects(changed.length)} changed: ${someFiles(changed)}`] : []),
    ...(added.length > 0 ? [`${objects(added.length)} added: ${someFiles(added)}`] : []),
    ...(removed.length > 0 ? [`${objects(removed.length)} removed: ${someFiles(removed)}`] : []),
  ];
  return parts.length === 0 ? undefined : parts.join('; ');
}

function objects(count: number): string {
  return `${count} object${count === 1 ? '' : 's'}`;
}

/** Up to three file names, then how many more. */
function someFiles(files: readonly string[]): string {
  const sorted = [...files].sort(compareNames);
  return sorted.length > 3 ? `${sorted.slice(0, 3).join(', ')} and ${sorted.length - 3} more` : sorted.join(', ');
}

/** The blobs under `dir` (a repository path) at `commit`, by path relative to `dir`. */
function listBlobs(root: string, commit: string, dir: string): Array<{ file: string; object: string }> {
  const listing = git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', `${dir}/`], root);
  return listing
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      const [, type, object] = entry.slice(0, tab).split(' ');
      return { type, object, file: path.posix.relative(dir, entry.slice(tab + 1)) };
    })
    .filter((entry) => entry.type === 'blob')
    .map(({ file, object }) => ({ file, object }));
}

/** Hashes bytes as git hashes a blob, in the repository's object format (sha1, or sha256). */
function blobHasher(root: string): (content: Buffer) => string {
  let format = 'sha1';
  try {
    format = git(['rev-parse', '--show-object-format'], root).trim() || 'sha1';
  } catch {
    // git older than 2.25: sha1 repositories only
  }
  return (content) => createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The names of the tenant files at `commit` (the stacks of a revision without an output folder). */
function tenantFilesAt(root: string, commit: string, project: string, tenantsDir: string): string[] {
  const dir = repositoryPath(root, path.resolve(project, tenantsDir), 'mlp affected');
  return listBlobs(root, commit, dir)
    .map(({ file }) => /^([^/]+)\.ya?ml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Why the Pulumi program differs between `commit` and the work tree, one reason per part; empty when it does not. */
function programChanges(root: string, commit: string, project: string, ref: string, hash: (content: Buffer) => string): string[] {
  const reasons: string[] = [];
  const changedFiles: string[] = [];
  for (const part of PROGRAM_PATHS) {
    const absolute = path.join(project, part);
    const repoPath = repositoryPath(root, absolute, 'mlp affected');
    const before = new Map<string, string>();
    const atRef = git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', repoPath], root);
    for (const entry of atRef.split('\0').filter(Boolean)) {
      const tab = entry.indexOf('\t');
      const [, type, object] = entry.slice(0, tab).split(' ');
      if (type === 'blob') before.set(entry.slice(tab + 1), object);
    }
    const after = new Map<string, string>();
    // Tracked and untracked files (not ignored ones) that exist in the work tree.
    const listed = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name', '--', repoPath], root);
    for (const file of new Set(listed.split('\0').filter(Boolean))) {
      const content = readFileIfAny(path.join(root, file));
      if (content !== undefined) after.set(file, hash(content));
    }
    for (const file of new Set([...before.keys(), ...after.keys()])) {
      if (before.get(file) !== after.get(file)) changedFiles.push(path.relative(project, path.join(root, file)).split(path.sep).join('/'));
    }
  }
  if (changedFiles.length > 0) reasons.push(`the Pulumi program differs from ${ref}: ${someFiles(changedFiles)}`);

  const versionsBefore = lockedVersions(fileAtCommit(root, commit, repositoryPath(root, path.join(project, 'package-lock.json'), 'mlp affected')));
  const versionsAfter = lockedVersions(readFileIfAny(path.join(project, 'package-lock.json'))?.toString('utf8'));
  for (const name of PROGRAM_PACKAGES) {
    const [before, after] = [versionsBefore.get(name), versionsAfter.get(name)];
    if (before !== after) reasons.push(`${name} ${before ?? 'absent'} → ${after ?? 'absent'} in package-lock.json`);
  }
  return reasons;
}

function readFileIfAny(file: string): Buffer | undefined {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** The installed versions of the program's packages in a package-lock.json text (lockfile v2/v3 `packages`). */
function lockedVersions(text: string | undefined): Map<string, string> {
  const versions = new Map<string, string>();
  if (text === undefined) return versions;
  let lock: { packages?: Record<string, { version?: string }>; dependencies?: Record<string, { version?: string }> };
  try {
    lock = JSON.parse(text);
  } catch {
    return new Map(PROGRAM_PACKAGES.map((name) => [name, 'unreadable']));
  }
  for (const name of PROGRAM_PACKAGES) {
    const version = lock.packages?.[`node_modules/${name}`]?.version ?? lock.dependencies?.[name]?.version;
    if (version !== undefined) versions.set(name, version);
  }
  return versions;
}
