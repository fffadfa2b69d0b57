/**
 * The work directory of the fan-out (default `.mlp/stacks/` in the project,
 * ignored by git): one folder per stack, `<work-dir>/<stack>/`, holding a
 * Pulumi project that runs the project's program, the stack's generated
 * configuration and the log of its last run.
 *
 * Measured with Pulumi CLI v3.274.1 (file backend, passphrase secrets):
 * - A `Pulumi.yaml` whose `main` is an absolute path runs that program from
 *   a directory elsewhere: the Node.js language host starts the program with
 *   the directory of `main` as its working directory (so the program's
 *   `projectDirectory()` still finds the real project), and resolves
 *   `@pulumi/pulumi` from there. No links to build/ or node_modules are
 *   needed. `--cwd DIR` works like running in DIR.
 * - `pulumi stack init` takes no `--config-file`; it writes the new stack's
 *   `encryptionsalt` into `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, and
 *   fails with `error: stack '<org>/<project>/<stack>' already exists` (exit
 *   status 1) for an existing stack. So each stack gets its own folder, and
 *   the runner writes the configuration after the init, keeping the salt.
 * - A configuration without `encryptionsalt` still previews and updates an
 *   existing stack: Pulumi writes a new salt into the file (re-serializing
 *   it) and, on `up`, records it in the state; the secret outputs of the
 *   previous update still read back. The generated configuration holds no
 *   secrets, so a fresh checkout (CI) loses nothing; the runner still keeps
 *   the salt of the previous run when the folder is there.
 * - `pulumi preview/up --config-file FILE` reads the configuration from FILE
 *   instead, and writes a new salt into FILE when it has none: so the
 *   settings file itself is never handed to pulumi.
 * - Selecting stacks in one workspace races (pulumi#8186): every pulumi
 *   command here names its stack with `--stack`, in the stack's own folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isMap, parse, parseDocument, stringify } from 'yaml';
import { DeployError } from './deploy-error';
import { EnvironmentSettings, PART_KEY, partOfStack } from './settings-file';

/** The default work directory, relative to the project directory. */
export const DEFAULT_WORK_DIR = '.mlp/stacks';
/** The file that marks a folder as mlp's work directory; mlp writes into no other non-empty folder. */
export const WORK_DIR_MARKER = '.mlp-work-dir';
/** The log of a stack's last run, in its folder. */
export const LOG_FILE = 'pulumi.log';
/** Keys of a stack configuration file that belong to the stack's secrets provider, kept across runs. */
const SECRETS_KEYS = ['encryptionsalt', 'secretsprovider', 'encryptedkey'] as const;

/** The Pulumi project the fan-out runs: its directory and its parsed Pulumi.yaml. */
export interface PulumiProject {
  readonly dir: string;
  readonly name: string;
  /** Pulumi.yaml, parsed. */
  readonly definition: Readonly<Record<string, unknown>>;
}

/**
 * The Pulumi project in `dir` (its Pulumi.yaml or Pulumi.yml).
 *
 * @throws DeployError when there is none or it has no name.
 */
export function readProject(dir: string): PulumiProject {
  const file = ['Pulumi.yaml', 'Pulumi.yml'].map((name) => path.join(dir, name)).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) throw new DeployError(`no Pulumi.yaml in ${dir}: run mlp deploy and mlp preview in the project directory`);
  const definition = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  if (definition === null || typeof definition !== 'object' || typeof definition.name !== 'string') {
    throw new DeployError(`${path.basename(file)}: expected a Pulumi project with a name`);
  }
  return { dir, name: definition.name, definition };
}

/**
 * Creates the work directory `root` with its marker, or checks that an
 * existing one is mlp's.
 *
 * @throws DeployError for a folder that holds other files and no marker, or a file in its place.
 */
export function prepareWorkDir(root: string, shown: string): void {
  // Node's recursive mkdir loops forever under /proc (measured: mkdirSync('/proc/x', { recursive: true }) never returns).
  const kernel = KERNEL_FOLDERS.find((folder) => root === folder || root.startsWith(`${folder}/`));
  if (kernel !== undefined) throw new DeployError(`--work-dir ${shown}: under ${kernel}, which belongs to the kernel; choose a folder of the project or of /tmp`);
  try {
    prepare(root, shown);
  } catch (error) {
    if (error instanceof DeployError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === undefined ? (error as Error).message : `${code}${ERRNO_REASONS[code] === undefined ? '' : `: ${ERRNO_REASONS[code]}`}`;
    throw new DeployError(`--work-dir ${shown}: cannot create ${root} (${reason}); choose another work directory`);
  }
}

/** Folders of the kernel's pseudo file systems, where no work directory goes. */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'] as const;
/** What the errors of making a folder mean, for people. */
const ERRNO_REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

function prepare(root: string, shown: string): void {
  const stats = fs.statSync(root, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isDirectory()) throw new DeployError(`${shown} is a file, not a folder; choose another work directory (--work-dir)`);
  if (stats !== undefined && !fs.existsSync(path.join(root, WORK_DIR_MARKER)) && fs.readdirSync(root).length > 0) {
    throw new DeployError(`${shown} holds files that mlp did not write (no ${WORK_DIR_MARKER} in it); choose another work directory (--work-dir) or an empty folder`);
  }
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, WORK_DIR_MARKER), 'The per-stack folders of mlp deploy and mlp preview (docs/deploy.md#deploying-many-stacks); rewritten on every run.\n');
}

/** The folder of one stack in the work directory `root`. */
export function stackDir(root: string, stack: string): string {
  return path.join(root, stack);
}

/**
 * Writes the stack's `Pulumi.yaml`: the project's, with `main` made absolute
 * so that the program runs from where it is built.
 */
export function writeStackProject(root: string, stack: string, project: PulumiProject): string {
  const dir = stackDir(root, stack);
  fs.mkdirSync(dir, { recursive: true });
  const main = typeof project.definition.main === 'string' ? project.definition.main : '.';
  const definition = { ...project.definition, main: path.resolve(project.dir, main) };
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), `# Generated by mlp from ${path.join(project.dir, 'Pulumi.yaml')}; rewritten on every run.\n${stringify(definition)}`);
  return dir;
}

/**
 * The text of the stack's `Pulumi.<stack>.yaml`: the environment's settings
 * plus `mlp:part`, with the secrets-provider keys of `previous` (the file
 * that `pulumi stack init` or an earlier run left) kept.
 */
export function stackConfigText(stack: string, settings: EnvironmentSettings, previous?: string): string {
  const kept: Record<string, unknown> = {};
  if (previous !== undefined) {
    const document = parseDocument(previous);
    if (isMap(document.contents)) {
      for (const key of SECRETS_KEYS) {
        const value = document.contents.get(key);
        if (value !== undefined) kept[key] = value;
      }
    }
  }
  const config = { ...settings.config, [PART_KEY]: partOfStack(stack) };
  return `# Generated by mlp from ${settings.file} for stack ${stack}; rewritten on every run (docs/deploy.md#deploying-many-stacks).\n${stringify({ ...kept, config })}`;
}

/** Writes the stack's `Pulumi.<stack>.yaml` into its folder (keeping the salt of the file there); returns its path. */
export function writeStackConfig(root: string, stack: string, settings: EnvironmentSettings): string {
  const file = path.join(stackDir(root, stack), `Pulumi.${stack}.yaml`);
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  fs.writeFileSync(file, stackConfigText(stack, settings, previous));
  return file;
}
