/**
 * `mlp split-stack --from OLD`: moves a single stack to the platform stack
 * and one stack per tenant (deploy/split-stack.ts); exit status 0 when done
 * and checked, 1 when refused or a step failed, 2 for a wrong invocation.
 */
import { DeployError } from '../deploy/deploy-error';
import { splitStack } from '../deploy/split-stack';
import { UsageError } from './usage-error';

/** The options of `mlp split-stack`, as commander gives them. */
export interface SplitStackCliOptions {
  readonly from?: string;
  readonly parallel: string;
  readonly configFile: string;
  readonly workDir: string;
}

/** Runs `mlp split-stack` in the project directory (the working directory) and returns the exit status. */
export async function runSplitStack(options: SplitStackCliOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (options.from === undefined) throw new UsageError('split-stack needs --from STACK, the single stack to split', 'split-stack');
  const parallel = Number(options.parallel);
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new UsageError(`--parallel ${options.parallel}: expected a whole number >= 1`, 'split-stack');
  try {
    return await splitStack({ projectDir: process.cwd(), oldStack: options.from, settingsFile: options.configFile, workDir: options.workDir, parallel, out, env });
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    err.write(`mlp split-stack: ${error.message}\n`);
    return 1;
  }
}
