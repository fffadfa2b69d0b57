/**
 * The unit of parallel synthesis: one input file in, one output folder out.
 * A tenant file is validated, synthesized in its own cdk8s App and checked
 * against the policies (stacks/pipeline.ts, as every entry point does), rendered and compared with its folder in the output
 * directory; a changed folder is written whole into the staging directory,
 * from where the caller swaps it in. Runs the same in the main thread and in
 * worker threads (synthesis/synth-worker.ts): its task and outcome are plain data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Problem, ValidationError } from '../config/problems';
import { PlatformFile } from '../config/schema/platform';
import { PolicyViolation, PolicyViolationError, UnusedWaiver } from '../policy/evaluate';
import { Synthesis, synthesizePlatformFile, synthesizeTenantFile } from '../stacks/pipeline';
import { PLATFORM_DIR } from '../stacks/synth';
import { TreeDifference, compareFiles, readTree } from './output-tree';
import { FileIdentity, filesDigest, folderSignature, signatureOf } from './synth-cache';
import { renderGroups } from './render';

/** What every task of one run shares. */
export interface SynthContext {
  readonly platform: PlatformFile;
  /** The platform file, as displayed. */
  readonly platformFile: string;
  /** Absolute output directory, compared against. */
  readonly outDir: string;
  /** Absolute staging directory that changed folders are written to; absent for --check. */
  readonly stagingDir?: string;
}

/** One input file to synthesize. */
export interface FolderTask {
  /** Position of the task in the run, to keep outcomes in order. */
  readonly index: number;
  /** The platform file's cluster-scoped objects, or a tenant file. */
  readonly kind: 'platform' | 'tenant';
  /** Path of the tenant file (its name must match metadata.name). */
  readonly file: string;
  /** The tenant file as displayed: in problems and in the manifests' headers. */
  readonly display: string;
  /** The tenant file's text. */
  readonly text: string;
  /**
   * Digest of the folder's files as they were last written, when the cache
   * vouches that the folder still holds exactly them: equal output then
   * needs no reading of the folder.
   */
  readonly knownDigest?: string;
  /** The folder signature that goes with {@link knownDigest}. */
  readonly knownSignature?: string;
}

/** What became of one task. */
export interface FolderOutcome {
  readonly index: number;
  /** Problems of the tenant file; nothing else is set when there are any. */
  readonly problems: readonly Problem[];
  /** The output folder. */
  readonly dir?: string;
  readonly violations: readonly PolicyViolation[];
  readonly waived: readonly PolicyViolation[];
  readonly unusedWaivers: readonly UnusedWaiver[];
  /** Number of files of the folder. */
  readonly files?: number;
  /** filesDigest of the folder's files. */
  readonly digest?: string;
  /** True when the folder differed and was written to the staging directory. */
  readonly written?: boolean;
  /** folderSignature of the folder as written (in the staging directory) or as found. */
  readonly signature?: string;
  /** For --check: how the output directory's folder differs, by path relative to the output directory. */
  readonly difference?: TreeDifference;
}

/** Synthesizes one input file and compares, and for a write stages, its folder. */
export function synthesizeFolder(context: SynthContext, task: FolderTask): FolderOutcome {
  let synthesis: Synthesis;
  try {
    synthesis =
      task.kind === 'platform'
        ? synthesizePlatformFile(context.platform, context.platformFile)
        : synthesizeTenantFile(context.platform, context.platformFile, task.file, { path: task.display, text: task.text });
  } catch (error) {
    if (error instanceof PolicyViolationError) {
      // Every violation of a tenant's objects names the tenant: its folder.
      const dir = task.kind === 'platform' ? PLATFORM_DIR : error.violations[0].tenant;
      return { index: task.index, problems: [], dir, violations: error.violations, waived: [], unusedWaivers: [] };
    }
    if (error instanceof ValidationError) return { index: task.index, problems: error.problems, violations: [], waived: [], unusedWaivers: [] };
    throw error;
  }
  const group = synthesis.groups[0];
  const base = { index: task.index, problems: [], dir: group.dir, violations: [], waived: synthesis.waived, unusedWaivers: synthesis.unusedWaivers };

  const prefix = `${group.dir}/`;
  const files = new Map([...renderGroups([group])].map(([file, content]) => [file.slice(prefix.length), content]));
  const digest = filesDigest(files);
  const folder = path.join(context.outDir, group.dir);
  const outcome = { ...base, files: files.size, digest };

  if (context.stagingDir === undefined) {
    return { ...outcome, difference: prefixed(compareFolder(folder, files), prefix) };
  }
  if (task.knownDigest === digest && task.knownSignature !== undefined) {
    return { ...outcome, written: false, signature: task.knownSignature };
  }
  if (task.knownDigest === undefined) {
    const difference = compareFolder(folder, files);
    const signature = difference.missing.length + difference.changed.length + difference.extra.length === 0 ? folderSignature(folder) : undefined;
    if (signature !== undefined) return { ...outcome, written: false, signature };
  }
  return { ...outcome, written: true, signature: writeFolder(path.join(context.stagingDir, group.dir), files) };
}

/** How a folder on disk differs from `files` (paths relative to the folder). */
function compareFolder(folder: string, files: ReadonlyMap<string, string>): TreeDifference {
  let current: Map<string, string>;
  try {
    current = readTree(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    current = new Map(); // a file where the folder should be: everything is missing
  }
  return compareFiles(current, files);
}

function prefixed(difference: TreeDifference, prefix: string): TreeDifference {
  const add = (files: readonly string[]) => files.map((file) => prefix + file);
  return { missing: add(difference.missing), changed: add(difference.changed), extra: add(difference.extra) };
}

/** Writes `files` into a new folder and returns its signature, taken from the open files. */
function writeFolder(folder: string, files: ReadonlyMap<string, string>): string {
  fs.mkdirSync(folder); // in the staging directory, which exists: one system call
  const identities: FileIdentity[] = [];
  for (const [name, content] of files) {
    const fd = fs.openSync(`${folder}/${name}`, 'w');
    try {
      const data = Buffer.from(content);
      for (let offset = 0; offset < data.length; ) offset += fs.writeSync(fd, data, offset);
      identities.push({ name, stats: fs.fstatSync(fd) });
    } finally {
      fs.closeSync(fd);
    }
  }
  return signatureOf(identities);
}
