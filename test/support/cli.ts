/**
 * Runs the `mlp` command in a scratch project, in-process, and captures its
 * exit status and output.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../../cli/mlp';
import { scratchProject } from './fixtures';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mlp ...args` with `dir` as the working directory. */
export function runMlp(dir: string, ...args: string[]): CliResult {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const status = main(args, sink((text) => (stdout += text)), sink((text) => (stderr += text)));
    return { status, stdout, stderr };
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
