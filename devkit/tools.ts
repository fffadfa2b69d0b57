/**
 * The real tools of the end-to-end suite, from the cache that
 * scripts/build-tools.sh fills: their environment, and running them.
 */
import { SpawnSyncReturns, spawnSync } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';

let toolsEnv: NodeJS.ProcessEnv | undefined;

/**
 * The environment with the built tools first on PATH (scripts/tools-env.sh).
 *
 * @throws Error naming the build command when the tools are not built.
 */
export function toolEnv(): NodeJS.ProcessEnv {
  if (!toolsEnv) {
    const script = path.join(REPO_ROOT, 'scripts', 'build-tools.sh');
    const result = spawnSync('bash', ['-c', `eval "$(bash '${script}' --print-env)" && env -0`], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`the end-to-end tools are not built; run scripts/build-tools.sh first\n${result.stderr}`);
    }
    toolsEnv = Object.fromEntries(
      result.stdout
        .split('\0')
        .filter((entry) => entry.includes('='))
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return toolsEnv;
}

/** Runs a command with the tools' environment; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, [...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...toolEnv(), ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs a command and returns its stdout; throws with its output when it fails. */
export function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}
