/**
 * The suite leaves nothing in the system temporary directory: every
 * temporary file of a run lands in the run's directory, which globalTeardown
 * removes (test/support/temporary-directories.ts).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { scratchProject } from '../support/fixtures';
import { RUN_DIRECTORY_VARIABLE, SYSTEM_DIRECTORY_VARIABLE, enterFileDirectory, enterRunDirectory, leaveRunDirectory } from '../support/temporary-directories';

/** Whether `child` is strictly inside `parent`. */
function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

describe('temporary directories of the test run', () => {
  const runDir = process.env[RUN_DIRECTORY_VARIABLE]!;

  test('each run has its own directory inside the system temporary directory', () => {
    expect(runDir).toMatch(/mlp-jest-[^/]+$/);
    expect(isInside(runDir, process.env[SYSTEM_DIRECTORY_VARIABLE]!)).toBe(true);
  });

  test("each test file gets a directory inside the run's, named after the file", () => {
    expect(path.dirname(os.tmpdir())).toBe(runDir);
    expect(path.basename(os.tmpdir())).toMatch(/^temporary-directories-/);
  });

  test("cdk8s's Testing.app() output directories land in the run's directory", () => {
    const { outdir } = Testing.app();
    expect(path.basename(outdir)).toMatch(/^cdk8s\.outdir\./);
    expect(isInside(outdir, runDir)).toBe(true);
  });

  test("scratch projects land in the run's directory", () => {
    expect(isInside(scratchProject({}).dir, runDir)).toBe(true);
  });

  test("commands the tests start use the run's directory too", () => {
    const childTmpdir = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("os").tmpdir())'], { encoding: 'utf8' });
    expect(childTmpdir).toBe(os.tmpdir());
  });

  test('globalTeardown removes the directory with everything in it and restores TMPDIR', () => {
    const saved = { ...process.env };
    try {
      // (Inside a test, process.env is jest's copy: check it rather than os.tmpdir().)
      const dir = enterRunDirectory();
      expect(process.env.TMPDIR).toBe(dir);
      fs.mkdirSync(path.join(dir, 'cdk8s.outdir.x'));
      fs.writeFileSync(path.join(dir, 'cdk8s.outdir.x', 'left-behind.yaml'), 'kind: ConfigMap\n');

      leaveRunDirectory();

      expect(fs.existsSync(dir)).toBe(false);
      expect(process.env.TMPDIR).toBe(saved.TMPDIR);
      expect(process.env[RUN_DIRECTORY_VARIABLE]).toBe(saved[RUN_DIRECTORY_VARIABLE]);
    } finally {
      process.env = saved;
    }
  });

  test('a test file directory is removed and TMPDIR restored when the file is done', () => {
    const before = process.env.TMPDIR;
    const file = enterFileDirectory('/somewhere/example.test.ts');
    try {
      expect(path.basename(file.dir)).toMatch(/^example-/);
      expect(process.env.TMPDIR).toBe(file.dir);
      fs.writeFileSync(path.join(file.dir, 'scratch'), '');
    } finally {
      file.leave();
    }
    expect(fs.existsSync(file.dir)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
  });
});
