/**
 * Worker threads against child processes, measured on the same tasks: the
 * main thread only hands out batches of folder tasks (the same
 * synthesizeFolder that `mlp synth` runs) and collects the outcomes, over
 * `count` threads or `count` forked processes, each of which loads the
 * modules itself. Everything is written into a fresh directory.
 *
 * Run as a script: `node build/bench/pool-compare.js threads|processes|inline COUNT PLATFORM TENANTS OUT`;
 * prints `{ wallMs, cpuMs, maxRssMiB, startMs }` as JSON, where the CPU time
 * and peak memory add up the processes (threads share the process'), and
 * startMs is the time until the last worker answered its first batch.
 * As a child process (`--child`) it is the process worker.
 */
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, Worker } from 'worker_threads';
import { displayPath, listTenantFiles, loadPlatform } from '../config/load';
import { Problem } from '../config/problems';
import { FolderOutcome, FolderTask, SynthContext, synthesizeFolder } from '../synthesis/folder-synth';
import type { WorkerAnswer, WorkerData } from '../synthesis/synth-worker';

const BATCH_SIZE = 8;

interface Member {
  send(batch: readonly FolderTask[]): void;
  stop(): Promise<{ cpuMs: number; maxRssMiB: number } | undefined>;
}

/** Tasks and context of a fresh synthesis of a project into `outDir` (which must not exist). */
function prepare(platformFile: string, tenantsDir: string, outDir: string): { context: SynthContext; tasks: FolderTask[] } {
  const problems: Problem[] = [];
  const platform = loadPlatform(platformFile, displayPath(platformFile), problems)!;
  const entries = listTenantFiles(tenantsDir, problems)!;
  fs.mkdirSync(outDir, { recursive: true });
  const context: SynthContext = { platform, platformFile: displayPath(platformFile), outDir: path.join(outDir, 'nothing-to-compare'), stagingDir: outDir };
  const tasks: FolderTask[] = [
    { index: 0, kind: 'platform', file: platformFile, display: displayPath(platformFile), text: '' },
    ...entries.map((entry, index) => {
      const file = path.join(tenantsDir, entry);
      return { index: index + 1, kind: 'tenant' as const, file, display: displayPath(file), text: fs.readFileSync(file, 'utf8') };
    }),
  ];
  return { context, tasks };
}

function startThread(context: SynthContext, onOutcomes: (outcomes: readonly FolderOutcome[]) => void): Member {
  const { port1, port2 } = new MessageChannel();
  const workerData: WorkerData = { context, port: port2, answers: new SharedArrayBuffer(4) };
  const thread = new Worker(path.join(__dirname, '..', 'synthesis', 'synth-worker.js'), { workerData, transferList: [port2] });
  port1.on('message', (answer: WorkerAnswer) => {
    if ('error' in answer) throw new Error(answer.error.message);
    onOutcomes(answer.outcomes);
  });
  return {
    send: (batch) => port1.postMessage(batch),
    stop: async () => {
      port1.close();
      await thread.terminate();
      return undefined;
    },
  };
}

function startProcess(context: SynthContext, onOutcomes: (outcomes: readonly FolderOutcome[]) => void): Member {
  const child: ChildProcess = fork(__filename, ['--child'], { serialization: 'advanced' });
  let usage: ((value: { cpuMs: number; maxRssMiB: number }) => void) | undefined;
  child.on('message', (message: { outcomes?: FolderOutcome[]; usage?: { cpuMs: number; maxRssMiB: number } }) => {
    if (message.outcomes) onOutcomes(message.outcomes);
    if (message.usage) usage?.(message.usage);
  });
  child.send({ context });
  return {
    send: (batch) => child.send({ batch }),
    stop: () =>
      new Promise((resolve) => {
        usage = resolve;
        child.send({ stop: true });
      }),
  };
}

async function compare(strategy: string, count: number, platformFile: string, tenantsDir: string, outDir: string): Promise<void> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const { context, tasks } = prepare(platformFile, tenantsDir, outDir);
  if (strategy === 'inline') {
    tasks.forEach((task) => synthesizeFolder(context, task));
    report(start, cpuStart, [], start);
    return;
  }
  const batches: FolderTask[][] = [];
  for (let index = 0; index < tasks.length; index += BATCH_SIZE) batches.push(tasks.slice(index, index + BATCH_SIZE));
  let next = 0;
  let done = 0;
  let firstAnswers = 0;
  let startedAt = start;
  await new Promise<void>((resolve) => {
    const members: Member[] = [];
    const answered = new Set<Member>();
    const onOutcomes = (member: () => Member) => (outcomes: readonly FolderOutcome[]) => {
      done += outcomes.length;
      if (!answered.has(member())) {
        answered.add(member());
        if (++firstAnswers === count) startedAt = performance.now();
      }
      if (next < batches.length) member().send(batches[next++]);
      if (done === tasks.length) resolve();
    };
    for (let index = 0; index < count; index++) {
      const member: Member = (strategy === 'threads' ? startThread : startProcess)(context, onOutcomes(() => member));
      members.push(member);
      for (let inFlight = 0; inFlight < 2 && next < batches.length; inFlight++) member.send(batches[next++]);
    }
    stopping = members;
  });
  const children = await Promise.all(stopping.map((member) => member.stop()));
  report(start, cpuStart, children.filter((usage): usage is { cpuMs: number; maxRssMiB: number } => usage !== undefined), startedAt);
}

let stopping: Member[] = [];

function report(start: number, cpuStart: NodeJS.CpuUsage, children: readonly { cpuMs: number; maxRssMiB: number }[], startedAt: number): void {
  const cpu = process.cpuUsage(cpuStart);
  const result = {
    wallMs: performance.now() - start,
    cpuMs: (cpu.user + cpu.system) / 1000 + children.reduce((sum, child) => sum + child.cpuMs, 0),
    maxRssMiB: process.resourceUsage().maxRSS / 1024 + children.reduce((sum, child) => sum + child.maxRssMiB, 0),
    startMs: startedAt - start,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function child(): void {
  let context: SynthContext | undefined;
  process.on('message', (message: { context?: SynthContext; batch?: FolderTask[]; stop?: boolean }) => {
    if (message.context) context = message.context;
    if (message.batch) process.send!({ outcomes: message.batch.map((task) => synthesizeFolder(context!, task)) });
    if (message.stop) {
      const usage = process.resourceUsage();
      process.send!({ usage: { cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMiB: usage.maxRSS / 1024 } }, () => process.exit(0));
    }
  });
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    child();
  } else {
    const [strategy, count, platformFile, tenantsDir, outDir] = process.argv.slice(2);
    void compare(strategy, Number(count), platformFile, tenantsDir, outDir);
  }
}
