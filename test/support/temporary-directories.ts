/**
 * Keeps the system temporary directory clean. Tests, cdk8s (`Testing.app()`
 * makes a `cdk8s.outdir.*` directory per call and never removes it) and the
 * commands the tests spawn all create directories under `os.tmpdir()`,
 * which honours TMPDIR. So:
 *
 * - jest's globalSetup ({@link enterRunDirectory}) makes one directory per
 *   run and points TMPDIR at it before the test workers start, which inherit
 *   it; globalTeardown ({@link leaveRunDirectory}) removes it.
 * - The test environment (test/support/test-environment.ts) gives each test
 *   file a directory of its own inside it, removed after the file's tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Names the directory of the current jest run, for tests that check where temporary files go. */
export const RUN_DIRECTORY_VARIABLE = 'MLP_TEST_RUN_TMPDIR';
/** Names the temporary directory jest was started with, for tests that start another jest run. */
export const SYSTEM_DIRECTORY_VARIABLE = 'MLP_TEST_SYSTEM_TMPDIR';

/** Environment variables as globalSetup found them, for globalTeardown (both run in jest's main process). */
const SAVED = Symbol.for('mlp.test.savedTemporaryDirectoryEnvironment');
type Saved = Record<string, string | undefined>;
const VARIABLES = ['TMPDIR', RUN_DIRECTORY_VARIABLE, SYSTEM_DIRECTORY_VARIABLE];

/** Creates the run's temporary directory and points TMPDIR at it. */
export function enterRunDirectory(): string {
  (globalThis as Record<symbol, Saved>)[SAVED] = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  const system = os.tmpdir();
  const dir = fs.mkdtempSync(path.join(system, 'mlp-jest-'));
  process.env[SYSTEM_DIRECTORY_VARIABLE] = system;
  process.env[RUN_DIRECTORY_VARIABLE] = dir;
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes the run's temporary directory with everything in it and restores TMPDIR. */
export function leaveRunDirectory(): void {
  const dir = process.env[RUN_DIRECTORY_VARIABLE];
  const saved = (globalThis as Record<symbol, Saved | undefined>)[SAVED] ?? {};
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Creates a test file's temporary directory inside the current one and points TMPDIR at it; returns the function that undoes both. */
export function enterFileDirectory(testPath: string): { dir: string; leave: () => void } {
  const previous = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${path.basename(testPath).replace(/\.test\.ts$/, '')}-`));
  process.env.TMPDIR = dir;
  return {
    dir,
    leave: () => {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
