/**
 * Runs the `mlp` command in a scratch project, in-process, and captures its
 * exit status and output.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { AffectedStacks } from '../../cli/deploy';
import { main } from '../../cli/mlp';
import { scratchProject } from './fixtures';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mlp ...args` with `dir` as the working directory; for the commands that answer at once (not deploy and preview). */
export function runMlp(dir: string, ...args: string[]): CliResult {
  const output = capturedOutput();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const status = main(args, output.stdout, output.stderr);
    if (typeof status !== 'number') throw new Error(`mlp ${args[0]} answers with a promise: run it with runMlpAsync`);
    return { status, ...output.text() };
  } finally {
    process.chdir(cwd);
  }
}

/**
 * Runs `mlp ...args` with `dir` as the working directory until its status
 * is known, also for deploy and preview; `affectedStacks` stands in for
 * `mlp affected` where given.
 */
export async function runMlpAsync(dir: string, args: readonly string[], affectedStacks?: AffectedStacks): Promise<CliResult> {
  const output = capturedOutput();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const status = await main(args, output.stdout, output.stderr, ...(affectedStacks === undefined ? [] : [affectedStacks]));
    return { status, ...output.text() };
  } finally {
    process.chdir(cwd);
  }
}

/** Runs git in `dir` with a fixed identity and no signing, whatever the machine's configuration. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=mlp test', '-c', 'user.email=mlp-test@example.com', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString('utf8');
}

/**
 * The `dist/` folder that `mlp synth` writes for the fixture platform file
 * (edited by `editPlatform`, e.g. `withoutKueue`) and these tenant files, in
 * a scratch project ({@link scratchProject}).
 *
 * @throws Error with mlp's output when synth fails or prints an error.
 */
export function synthesizedDist(tenants: Record<string, string>, editPlatform: (text: string) => string = (text) => text): string {
  const project = scratchProject(tenants);
  fs.writeFileSync(project.platformFile, editPlatform(fs.readFileSync(project.platformFile, 'utf8')));
  const synth = runMlp(project.dir, 'synth', '--out', 'dist');
  if (synth.status !== 0 || synth.stderr !== '') throw new Error(`mlp synth exited ${synth.status}: ${synth.stderr}`);
  return path.join(project.dir, 'dist');
}

/** Two streams that collect what mlp writes to stdout and stderr, and the text of each. */
function capturedOutput(): { stdout: Writable; stderr: Writable; text: () => { stdout: string; stderr: string } } {
  const collected = { stdout: '', stderr: '' };
  const sink = (stream: keyof typeof collected) =>
    new Writable({
      write(chunk, _encoding, done) {
        collected[stream] += String(chunk);
        done();
      },
    });
  return { stdout: sink('stdout'), stderr: sink('stderr'), text: () => ({ ...collected }) };
}
