/**
 * Runs folder tasks on several cores: worker threads take batches of tasks
 * while the main thread works through batches of its own, so that no core
 * idles while the workers load their modules. The main thread stays
 * synchronous (the `mlp` command is): it waits for answers with
 * Atomics.wait on a shared counter and reads them with
 * receiveMessageOnPort. Outcomes come back in task order.
 *
 * Worker threads rather than child processes: both pay the same module
 * loading (cdk8s, cdk8s-plus, zod, yaml), but a thread answers its first
 * batch sooner (~0.1 s) and costs less memory (~30 MiB less per worker),
 * and the main thread can wait for it synchronously (bench/RESULTS.md).
 * For few tasks the start-up costs more than it saves, so the caller runs
 * them in the main thread ({@link defaultWorkers}).
 */
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'worker_threads';
import { FolderOutcome, FolderTask, SynthContext, synthesizeFolder } from './folder-synth';
import type { WorkerAnswer, WorkerData } from './synth-worker';

/**
 * Below this many tasks, starting a worker (0.7-0.9 s until it answers its
 * first batch, on the benchmark machine) costs more than it saves: there,
 * `mlp synth --jobs 2` was slower than `--jobs 1` up to 200 tenants and
 * faster from 400 (bench/RESULTS.md).
 */
export const MIN_TASKS_FOR_WORKERS = 300;
/** Tasks per message: large enough to amortise messaging, small enough to balance the load. */
const BATCH_SIZE = 8;
/** Batches each worker holds, so that it never waits for the busy main thread. */
const IN_FLIGHT = 2;
/** A worker that answers nothing for this long is considered stuck. */
const STALL_MS = 10 * 60 * 1000;

/** The worker threads to use for `tasks` tasks: one per core beyond the main thread's, none for few tasks. */
export function defaultWorkers(tasks: number): number {
  if (tasks < MIN_TASKS_FOR_WORKERS) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(cores - 1, Math.floor(tasks / MIN_TASKS_FOR_WORKERS)));
}

/**
 * Runs every task, on `workers` worker threads and the main thread, and
 * returns their outcomes in task order.
 *
 * @throws Error of the first task that failed (not for problems of input files: those are outcomes)
 */
export function runFolderTasks(context: SynthContext, tasks: readonly FolderTask[], workers: number): FolderOutcome[] {
  if (workers <= 0 || tasks.length <= BATCH_SIZE) return tasks.map((task) => synthesizeFolder(context, task));

  const batches: FolderTask[][] = [];
  for (let start = 0; start < tasks.length; start += BATCH_SIZE) batches.push(tasks.slice(start, start + BATCH_SIZE));
  const answers = new SharedArrayBuffer(4);
  const counter = new Int32Array(answers);
  const pool = Array.from({ length: workers }, () => startWorker(context, answers));
  const outcomes: FolderOutcome[] = [];
  let next = 0;
  const send = (member: PoolMember) => {
    while (member.inFlight < IN_FLIGHT && next < batches.length) {
      member.port.postMessage(batches[next++]);
      member.inFlight++;
    }
  };
  try {
    pool.forEach(send);
    let lastAnswer = Date.now();
    for (;;) {
      const seen = Atomics.load(counter, 0);
      for (const member of pool) {
        for (let message = receiveMessageOnPort(member.port); message; message = receiveMessageOnPort(member.port)) {
          const answer = message.message as WorkerAnswer;
          if ('error' in answer) throw Object.assign(new Error(answer.error.message), { stack: answer.error.stack });
          outcomes.push(...answer.outcomes);
          member.inFlight--;
          lastAnswer = Date.now();
          send(member);
        }
      }
      if (next < batches.length) {
        for (const task of batches[next++]) outcomes.push(synthesizeFolder(context, task));
        continue;
      }
      if (pool.every((member) => member.inFlight === 0)) break;
      if (Atomics.wait(counter, 0, seen, 1000) === 'timed-out' && Date.now() - lastAnswer > STALL_MS) {
        throw new Error(`a synthesis worker answered nothing for ${STALL_MS / 1000} s`);
      }
    }
  } finally {
    for (const member of pool) {
      member.port.close();
      void member.thread.terminate();
    }
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

interface PoolMember {
  readonly thread: Worker;
  readonly port: MessagePort;
  inFlight: number;
}

/**
 * Runs the worker entry; from the TypeScript sources (under ts-jest) it
 * compiles them on the fly with the TypeScript compiler. A failure to load
 * is answered like a failed batch, so that the main thread never waits for
 * nothing.
 */
const BOOTSTRAP = `
const { workerData } = require('worker_threads');
try {
  if (workerData.typescript) {
    const fs = require('fs');
    const ts = require(workerData.typescript);
    require.extensions['.ts'] = (module, filename) => {
      const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true };
      module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions: options }).outputText, filename);
    };
  }
  require(workerData.entry);
} catch (error) {
  workerData.port.postMessage({ error: { message: 'cannot start a synthesis worker: ' + error.message, stack: error.stack } });
  const counter = new Int32Array(workerData.answers);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}
`;

function startWorker(context: SynthContext, answers: SharedArrayBuffer): PoolMember {
  const { port1, port2 } = new MessageChannel();
  const extension = path.extname(__filename);
  const entry = path.join(__dirname, `synth-worker${extension}`);
  const workerData: WorkerData & { entry: string; typescript?: string } = {
    context,
    port: port2,
    answers,
    entry,
    ...(extension === '.ts' && { typescript: require.resolve('typescript') }),
  };
  const thread = new Worker(BOOTSTRAP, { eval: true, workerData, transferList: [port2] });
  thread.unref();
  return { thread, port: port1, inFlight: 0 };
}
