/**
 * Entry of a synthesis worker thread (started by synthesis/synth-pool.ts):
 * runs batches of folder tasks and answers each with their outcomes on its
 * port, then bumps the shared counter so that the main thread, blocked in
 * Atomics.wait, wakes up and reads the answer.
 */
import { MessagePort, workerData } from 'worker_threads';
import { FolderOutcome, FolderTask, SynthContext, synthesizeFolder } from './folder-synth';

/** What the pool passes to a worker. */
export interface WorkerData {
  readonly context: SynthContext;
  readonly port: MessagePort;
  /** Int32 counter of answers, shared by all workers of a pool. */
  readonly answers: SharedArrayBuffer;
}

/** A worker's answer to one batch. */
export type WorkerAnswer = { readonly outcomes: readonly FolderOutcome[] } | { readonly error: { readonly message: string; readonly stack?: string } };

const { context, port, answers } = workerData as WorkerData;
const counter = new Int32Array(answers);

port.on('message', (batch: readonly FolderTask[]) => {
  let answer: WorkerAnswer;
  try {
    answer = { outcomes: batch.map((task) => synthesizeFolder(context, task)) };
  } catch (error) {
    answer = { error: { message: (error as Error).message, stack: (error as Error).stack } };
  }
  port.postMessage(answer);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
