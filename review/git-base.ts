/**
 * The platform file and tenant files as they were at a git revision, read
 * with `git show`/`git ls-tree` into a temporary directory (never touching
 * the work tree or the index) and loaded with the current library.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LoadOptions, PlatformConfig, displayPath, loadConfig } from '../config/load';
import { migrateOldPlatformText } from '../config/platform-migration';
import { Problem, ValidationError } from '../config/problems';

/** The configuration at a revision. */
export interface BaseConfig {
  /** The revision as the user named it, e.g. `HEAD` or `origin/main`. */
  readonly ref: string;
  /** The commit it names. */
  readonly commit: string;
  /** The configuration, or undefined when the platform file did not exist at the revision. */
  readonly config?: PlatformConfig;
}

/** Runs git in `cwd` and returns its standard output. */
export function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
}

/** A file's text at `commit` (`repoPath` from {@link repositoryPath}), or undefined when the revision has no such file. */
export function fileAtCommit(root: string, commit: string, repoPath: string): string | undefined {
  const listing = git(['ls-tree', '--full-tree', commit, '--', repoPath], root);
  if (listing.trim() === '') return undefined;
  return git(['cat-file', 'blob', `${commit}:${repoPath}`], root);
}

function gitError(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
  return stderr ? stderr.split('\n')[0] : (error as Error).message;
}

/** The nearest existing ancestor of `file`, resolved through symlinks, joined with the rest. */
function realPath(file: string): string {
  const absolute = path.resolve(file);
  let existing = absolute;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  return path.join(fs.realpathSync(existing), path.relative(existing, absolute));
}

/** `file` relative to the repository root, with `/` separators, for `REV:path`. */
export function repositoryPath(root: string, file: string, command = 'mlp diff'): string {
  const relative = path.relative(root, realPath(file));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new ValidationError([{ file: displayPath(file), message: `is outside the git repository at ${root}; ${command} reads the base from git` }]);
  }
  return relative.split(path.sep).join('/');
}

/** The repository and the commit that `--base` names. */
export interface GitBase {
  /** The top folder of the repository's work tree, symlinks resolved. */
  readonly root: string;
  /** The commit `ref` names, in full. */
  readonly commit: string;
}

/**
 * The repository `cwd` is in and the commit `ref` names in it.
 *
 * @param command the command, for the message (`mlp diff`)
 * @throws ValidationError when `cwd` is not in a git repository or `ref` names no commit
 */
export function resolveBase(ref: string, command: string, cwd: string = process.cwd()): GitBase {
  let root: string;
  try {
    root = fs.realpathSync(git(['rev-parse', '--show-toplevel'], cwd).trim());
  } catch (error) {
    throw new ValidationError([
      { file: displayPath(cwd), message: `not in a git repository; ${command} reads the base revision from git: run it in a clone of the project (${gitError(error)})` },
    ]);
  }
  try {
    const commit = git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`], cwd).trim();
    return { root, commit };
  } catch {
    throw new ValidationError([{ file: displayPath(root), message: `--base ${ref}: no such commit in the repository; name a branch, tag or commit (e.g. HEAD, origin/main)` }]);
  }
}

/**
 * Loads the platform file and tenant files of revision `ref` with the
 * current library. Problems of those files are reported with `REF:path`
 * file names.
 *
 * @throws ValidationError when `ref` names no commit, the working directory
 *   is not in a git repository, or the files at `ref` are invalid.
 */
export function loadConfigAtRef(ref: string, options: LoadOptions, cwd: string = process.cwd()): BaseConfig {
  const { root, commit } = resolveBase(ref, 'mlp diff', cwd);

  const platformPath = repositoryPath(root, options.platformFile);
  const tenantsPath = repositoryPath(root, options.tenantsDir);
  let platformText: string;
  try {
    platformText = git(['show', `${commit}:${platformPath}`], root);
  } catch {
    return { ref, commit }; // no platform file at the base: nothing was synthesized there
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-base-'));
  try {
    const platformFile = path.join(scratch, path.basename(platformPath));
    const tenantsDir = path.join(scratch, 'tenants');
    // The base cannot be edited: a platform file of an older schema is read as what it meant (the work tree is not).
    fs.writeFileSync(platformFile, migrateOldPlatformText(platformText));
    fs.mkdirSync(tenantsDir);
    const listing = git(['ls-tree', '-z', commit, ...(tenantsPath === '' ? [] : ['--', `${tenantsPath}/`])], root);
    for (const entry of listing.split('\0').filter(Boolean)) {
      const [meta, file] = entry.split('\t');
      const [, type, object] = meta.split(' ');
      if (type !== 'blob' || !/\.ya?ml$/.test(file)) continue;
      fs.writeFileSync(path.join(tenantsDir, path.posix.basename(file)), git(['cat-file', 'blob', object], root));
    }

    const displayPlatform = displayPath(options.platformFile);
    const displayTenants = displayPath(options.tenantsDir).replace(/\/+$/, '');
    const rename = (file: string): string => {
      const absolute = path.resolve(file);
      if (absolute === platformFile) return `${ref}:${displayPlatform}`;
      if (absolute.startsWith(`${tenantsDir}${path.sep}`)) return `${ref}:${displayTenants}/${path.relative(tenantsDir, absolute).split(path.sep).join('/')}`;
      if (absolute === tenantsDir) return `${ref}:${displayTenants}`;
      return file;
    };
    let config: PlatformConfig;
    try {
      config = loadConfig({ platformFile, tenantsDir });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const problems: Problem[] = error.problems.map((problem) => ({
        ...problem,
        file: rename(problem.file),
        message: `${problem.message} (the base revision, loaded with the current library)`,
      }));
      throw new ValidationError(problems);
    }
    return {
      ref,
      commit,
      config: { ...config, file: rename(config.file), tenants: config.tenants.map((tenant) => ({ ...tenant, file: rename(tenant.file) })) },
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
