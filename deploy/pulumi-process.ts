/**
 * One `pulumi` process: run in a stack's own folder, its output appended to
 * the stack's log, each command framed by a start and an end line with
 * times, so that the log shows what ran when.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';

/** How a pulumi command ended. */
export interface PulumiExit {
  /** The exit status; null when a signal ended it or it could not start. */
  readonly status: number | null;
  /** stdout and stderr as they came. */
  readonly output: string;
  /** stdout alone (e.g. the JSON of `pulumi preview --json`). */
  readonly stdout: string;
}

/** What {@link runPulumi} runs. */
export interface PulumiCommand {
  readonly args: readonly string[];
  /** The folder it runs in (the stack's folder). */
  readonly cwd: string;
  /** The log its output is appended to. */
  readonly logFile: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The line that starts a command's part of the log. */
export function startLine(time: Date, args: readonly string[]): string {
  return `==== ${time.toISOString()} start: pulumi ${args.join(' ')}\n`;
}

/** The line that ends a command's part of the log. */
export function endLine(time: Date, status: number | null, signal: string | null): string {
  return `==== ${time.toISOString()} end: exit ${status ?? signal}\n`;
}

/** Runs `pulumi` (the one on PATH) and resolves when it has ended; never rejects for its exit status. */
export function runPulumi(command: PulumiCommand): Promise<PulumiExit> {
  fs.appendFileSync(command.logFile, startLine(new Date(), command.args));
  const log = fs.createWriteStream(command.logFile, { flags: 'a' });
  let output = '';
  let stdout = '';
  return new Promise((resolve) => {
    const child = spawn('pulumi', [...command.args], { cwd: command.cwd, env: command.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      output += String(chunk);
      log.write(chunk);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += String(chunk);
      collect(chunk);
    });
    child.stderr.on('data', collect);
    const finish = (status: number | null, signal: string | null) => {
      log.end(endLine(new Date(), status, signal), () => resolve({ status, output, stdout }));
    };
    child.once('error', (error) => {
      output += `mlp: could not run pulumi: ${error.message}\n`;
      log.write(`mlp: could not run pulumi: ${error.message}\n`);
      child.removeAllListeners('close');
      finish(null, 'not started');
    });
    child.once('close', (status, signal) => finish(status, signal));
  });
}
