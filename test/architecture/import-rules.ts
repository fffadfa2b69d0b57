/**
 * The folder rules of docs/architecture.md as code: which source folder may
 * import which, and which packages the constructs may not use. The checker
 * works on file texts, so a test can run it on an in-memory example.
 */
import { builtinModules } from 'module';
import * as path from 'path';
import * as ts from 'typescript';

/** A folder of the import graph: a source folder, or stacks/pulumi, which has rules of its own. */
export type Folder = 'lib' | 'config' | 'policy' | 'stacks' | 'stacks/pulumi' | 'synthesis' | 'review' | 'deploy' | 'cli';

/** The source folders compiled into build/, lowest first (stacks/pulumi is part of stacks/). */
export const SOURCE_FOLDERS = ['lib', 'config', 'policy', 'stacks', 'synthesis', 'review', 'deploy', 'cli'] as const;

/** Folders outside the graph that may import anything and that no source folder may import. */
export const FREE_FOLDERS = ['bench', 'devkit', 'test'] as const;

/** What each folder may import from, besides itself. */
export const MAY_IMPORT: Readonly<Record<Folder, readonly Folder[]>> = {
  lib: [],
  config: ['lib'],
  policy: ['config', 'lib'],
  stacks: ['policy', 'config', 'lib'],
  'stacks/pulumi': ['stacks', 'policy', 'config', 'lib'],
  synthesis: ['stacks', 'policy', 'config', 'lib'],
  review: ['stacks', 'policy', 'config', 'lib'],
  deploy: ['stacks', 'config', 'lib'],
  cli: ['deploy', 'review', 'synthesis', 'stacks', 'policy', 'config', 'lib'],
};

/** Folders that may use the Pulumi SDK (besides bench/, devkit/ and test/). */
export const PULUMI_FOLDERS: readonly Folder[] = ['stacks/pulumi', 'cli'];

/** Node built-ins the constructs may use: pure functions, no I/O (`net` parses IP addresses in lib/cidr.ts). */
export const LIB_BUILTINS: readonly string[] = ['crypto', 'net', 'util'];

/** One import of one file. */
export interface ImportRef {
  /** The importing file, relative to the repository root with `/`. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

/** The imports, re-exports, `require()` and `import()` calls of a TypeScript text, with literal specifiers. */
export function importsOf(file: string, text: string): ImportRef[] {
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ({ file, line: lineOf(ref.pos), specifier: ref.fileName }));
}

/** The folder of a repository-relative path; undefined outside the graph and the free folders. */
export function folderOf(relative: string): Folder | (typeof FREE_FOLDERS)[number] | undefined {
  if (relative === 'stacks/pulumi' || relative.startsWith('stacks/pulumi/')) return 'stacks/pulumi';
  const top = relative.split('/')[0];
  return ([...SOURCE_FOLDERS, ...FREE_FOLDERS] as readonly string[]).includes(top) ? (top as Folder) : undefined;
}

/** The package an external specifier names: `@scope/name` or `name`, without `node:`. */
function packageOf(specifier: string): string {
  const bare = specifier.replace(/^node:/, '');
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/**
 * What is wrong with one import, or undefined: the message names the file,
 * line, import and the rule it breaks.
 */
export function checkImport(ref: ImportRef): string | undefined {
  const from = folderOf(ref.file);
  if (from === undefined || (FREE_FOLDERS as readonly string[]).includes(from)) return undefined;
  const folder = from as Folder;
  const where = `${ref.file}:${ref.line}: imports '${ref.specifier}'`;
  if (ref.specifier.startsWith('.')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(ref.file), ref.specifier));
    const to = folderOf(target);
    if (to === folder) return undefined;
    if (to === undefined || (FREE_FOLDERS as readonly string[]).includes(to)) {
      return `${where} (${target}), outside the source folders; ${folder}/ may import only from ${[folder, ...MAY_IMPORT[folder]].map((name) => `${name}/`).join(', ')} (docs/architecture.md)`;
    }
    if (!MAY_IMPORT[folder].includes(to as Folder)) {
      const allowed = MAY_IMPORT[folder].length === 0 ? 'nothing of ours' : `only from ${MAY_IMPORT[folder].map((name) => `${name}/`).join(', ')}`;
      return `${where} from ${to}/, but ${folder}/ may import ${allowed} besides itself (docs/architecture.md); move the shared code down to a folder both may import`;
    }
    return undefined;
  }
  const pkg = packageOf(ref.specifier);
  if (pkg.startsWith('@pulumi/') && !PULUMI_FOLDERS.includes(folder)) {
    return `${where}, but only stacks/pulumi/ and cli/ may use the Pulumi SDK (docs/architecture.md); synthesis and review work on plain objects`;
  }
  if (folder === 'lib') {
    if (pkg === 'zod') return `${where}, but lib/ (constructs) may not use zod: file schemas belong in config/schema/ (docs/architecture.md)`;
    if (BUILTINS.has(pkg) && !LIB_BUILTINS.includes(pkg)) {
      return `${where}, but lib/ (constructs) may use only the Node built-ins ${LIB_BUILTINS.join(', ')}: files and processes belong in config/ or synthesis/ (docs/architecture.md)`;
    }
  }
  return undefined;
}
