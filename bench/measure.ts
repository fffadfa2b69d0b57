/**
 * Measuring commands for the benchmark: wall time taken around the child,
 * CPU time and peak resident memory from GNU time (`/usr/bin/time`), which
 * reports the child's own maximum RSS (for Node that includes its worker
 * threads). Without GNU time the CPU and memory columns stay empty.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** One measured run. */
export interface Run {
  readonly wallMs: number;
  /** True when the command was stopped at its time limit; the other fields then mean little. */
  readonly timedOut?: boolean;
  /** User plus system CPU time of the child and its children. */
  readonly cpuMs?: number;
  readonly maxRssMiB?: number;
  /** The child's standard output. */
  readonly stdout: string;
}

const GNU_TIME = '/usr/bin/time';
const TIMEOUT = '/usr/bin/timeout';

/**
 * Runs `command args` in `cwd` and measures it; `stdoutFile` receives its
 * standard output instead of the returned value. With `timeoutMs` (and
 * coreutils' timeout) the command is killed when it runs longer.
 *
 * @throws Error when the command fails
 */
export function measure(command: string, args: readonly string[], options: { cwd: string; stdoutFile?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run {
  const report = path.join(os.tmpdir(), `mlp-bench-time-${process.pid}.txt`);
  const timed = fs.existsSync(GNU_TIME);
  const limited = options.timeoutMs !== undefined && fs.existsSync(TIMEOUT);
  const limit = limited ? [TIMEOUT, '-s', 'KILL', `${Math.ceil(options.timeoutMs! / 1000)}`] : [];
  const full = [...limit, command, ...args];
  const [file, argv] = timed ? [GNU_TIME, ['-f', '%U %S %M', '-o', report, ...full]] : [full[0], full.slice(1)];
  const out = options.stdoutFile === undefined ? 'pipe' : fs.openSync(options.stdoutFile, 'w');
  const start = performance.now();
  const result = spawnSync(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', out, 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (typeof out === 'number') fs.closeSync(out);
  if (limited && (result.status === 137 || result.status === 124)) {
    fs.rmSync(report, { force: true });
    return { wallMs, timedOut: true, stdout: '' };
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}: ${result.stderr?.slice(-2000)}`);
  }
  let usage: { cpuMs?: number; maxRssMiB?: number } = {};
  if (timed) {
    const [user, system, rssKiB] = fs.readFileSync(report, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
    usage = { cpuMs: (user + system) * 1000, maxRssMiB: rssKiB / 1024 };
    fs.rmSync(report, { force: true });
  }
  return { wallMs, ...usage, stdout: result.stdout ?? '' };
}

/** The median of some numbers; undefined for none. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (defined.length === 0) return undefined;
  const middle = Math.floor(defined.length / 2);
  return defined.length % 2 === 1 ? defined[middle] : (defined[middle - 1] + defined[middle]) / 2;
}

/** The machine, for the results: cores, CPU model, memory, Node version, load. */
export function machineDescription(): string[] {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return [
    `nproc: ${cores}`,
    `CPU: ${model}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node: ${process.version}`,
    `load average at start: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`,
  ];
}
