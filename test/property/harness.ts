/**
 * What the property tests share: fast-check run parameters (seed and run
 * counts from the environment), scratch projects, loading and synthesizing
 * them, and the checks that a ValidationError is the clear error users see.
 *
 * Environment:
 * - `FC_SEED=<n>` fixes the seed (fast-check prints the seed and path of
 *   every failure; rerun with `FC_SEED=<seed> FC_PATH=<path>` to replay it);
 * - `FC_PATH=<path>` replays one counterexample (with its FC_SEED);
 * - `FC_RUNS=<factor>` multiplies every property's run count, e.g.
 *   `FC_RUNS=20 npx jest test/property` for a longer local search;
 * - `FC_TIME_LIMIT=<ms>` bounds one property's run, shrinking included
 *   (default 5 s times FC_RUNS; a failure found before the limit is still
 *   reported, with the smallest counterexample found so far, and a run cut
 *   short before any failure passes); `FC_TIME_LIMIT=0` lifts it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { PlatformConfig, displayPath, loadConfig } from '../../config/load';
import { ValidationError, formatProblem } from '../../config/problems';
import { synthesizeAll } from '../../stacks/synth';
import { renderGroups } from '../../synthesis/render';
import { scratchProject, withoutKueue } from '../support/fixtures';

/** Run parameters of a property: `numRuns` scaled by FC_RUNS, FC_SEED, FC_PATH and FC_TIME_LIMIT when set. */
export function runs(numRuns: number): { numRuns: number; seed?: number; path?: string; interruptAfterTimeLimit?: number } {
  const requested = Number(process.env.FC_RUNS ?? '1');
  const factor = Number.isFinite(requested) && requested > 0 ? requested : 1;
  const seed = process.env.FC_SEED;
  const replay = process.env.FC_PATH;
  const timeLimit = Number(process.env.FC_TIME_LIMIT ?? String(5000 * factor));
  return {
    numRuns: Math.max(1, Math.round(numRuns * factor)),
    ...(seed !== undefined && seed !== '' && { seed: Number(seed) }),
    ...(replay !== undefined && replay !== '' && { path: replay }),
    ...(Number.isFinite(timeLimit) && timeLimit > 0 && { interruptAfterTimeLimit: timeLimit }),
  };
}

/** Jest timeout of one property: generous, since a run count may be scaled up with FC_RUNS. */
export const PROPERTY_TIMEOUT_MS = 10 * 60 * 1000;

/** A scratch project: the fixture platform file and a tenants directory. */
export interface Project {
  readonly dir: string;
  readonly platformFile: string;
  readonly tenantsDir: string;
}

/**
 * Runs `body` on a scratch project holding `tenants` (file name → content), then removes it.
 * The platform file has queueing through Kueue off: the generated tenants respect the plain
 * quota, not the GPU split per type and the borrowing limits a Kueue queue needs.
 */
export function withProject<T>(tenants: Readonly<Record<string, string | Uint8Array>>, body: (project: Project) => T): T {
  const project = scratchProject({});
  fs.writeFileSync(project.platformFile, withoutKueue(fs.readFileSync(project.platformFile, 'utf8')));
  try {
    for (const [file, content] of Object.entries(tenants)) {
      fs.writeFileSync(path.join(project.tenantsDir, file), content);
    }
    return body(project);
  } finally {
    fs.rmSync(project.dir, { recursive: true, force: true });
  }
}

/** How the file of a tenant is named in problems. */
export function displayName(project: Project, file: string): string {
  return displayPath(path.join(project.tenantsDir, file));
}

/** What loading a project gave: a configuration, or the clear validation error. */
export type LoadOutcome = { readonly config: PlatformConfig; readonly error?: undefined } | { readonly config?: undefined; readonly error: ValidationError };

/**
 * Loads a project. A ValidationError is an outcome; any other exception is
 * rethrown, so that the property fails with it (and fast-check shrinks the
 * input that caused it).
 */
export function load(project: Project): LoadOutcome {
  try {
    return { config: loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }) };
  } catch (error) {
    if (error instanceof ValidationError) return { error };
    throw error;
  }
}

/** Loads a project that must load; fails with the problems otherwise. */
export function loadValid(project: Project): PlatformConfig {
  const outcome = load(project);
  if (outcome.error) {
    throw new Error(`expected the files to load, got ${outcome.error.problems.map(formatProblem).join('\n')}`);
  }
  return outcome.config;
}

/** The files synthesis writes, by path relative to the output directory. */
export function render(config: PlatformConfig): Map<string, string> {
  return renderGroups(synthesizeAll(config));
}

/**
 * Loads and renders a project, skipping the input (fc.pre) when that fails:
 * for properties about valid files, where property (a) of
 * valid-tenants.test.ts owns the failure to load or synthesize.
 */
export function renderOrSkip(project: Project): Map<string, string> {
  let files: Map<string, string> | undefined;
  try {
    files = render(loadValid(project));
  } catch {
    files = undefined;
  }
  fc.pre(files !== undefined);
  return files!;
}

/** The rendered files of one folder (`<tenant>/...` or `_platform/...`). */
export function filesUnder(files: ReadonlyMap<string, string>, dir: string): Array<[string, string]> {
  return [...files.entries()].filter(([file]) => file.startsWith(`${dir}/`));
}

/** A stack frame as V8 prints it: `    at fn (file.ts:12:5)`. */
const STACK_FRAME = /\n\s*at\s.*(:\d+:\d+|\(native\)|<anonymous>)/;

/**
 * Checks that `error` is the clear validation error of the README: at least
 * one problem, each naming one of `files` (display names) with a message and
 * no stack trace, and a line, where given, that exists in that file.
 *
 * @param files the content of each file the problems may name, for the line check
 */
export function expectClearError(error: ValidationError, files: ReadonlyMap<string, string | Uint8Array>): void {
  expect(error).toBeInstanceOf(ValidationError);
  expect(error.problems.length).toBeGreaterThan(0);
  expect(error.message).not.toMatch(STACK_FRAME);
  const lineCounts = new Map(
    [...files.entries()].map(([file, content]) => [file, (typeof content === 'string' ? content : Buffer.from(content).toString('utf8')).split(/\r\n|\r|\n/).length]),
  );
  // One assertion over all problems: a file can have 100,000 of them.
  const unclear = error.problems.filter(
    (problem) =>
      !lineCounts.has(problem.file) ||
      typeof problem.message !== 'string' ||
      problem.message.trim() === '' ||
      STACK_FRAME.test(problem.message) ||
      (problem.line !== undefined && (!Number.isInteger(problem.line) || problem.line < 1 || problem.line > lineCounts.get(problem.file)!)),
  );
  expect(unclear.slice(0, 5).map((problem) => ({ ...problem, expectedFileOneOf: [...lineCounts.keys()] }))).toEqual([]);
}
