/**
 * `mlp deploy` and `mlp preview`: the stacks chosen by `--stack`,
 * `--affected --base REF` or `--all`, each in its own pulumi process and
 * folder (deploy/), then one table of the results; exit status 1 naming
 * every stack that failed or did not run.
 */
import * as fs from 'fs';
import { PulumiAction, StackRun, StackSelection, describe, diagnostics, failureLine, runStacks, seconds } from '../deploy/run-stacks';
import { DriftedObject, PreviewJson, driftedObjects, formatDrift } from '../review/drift';
import { previewSummary } from '../deploy/preview-summary';
import { isStackName } from '../deploy/selection';
import { readProject } from '../deploy/work-dir';
import { DeployError } from '../deploy/deploy-error';
import { readSettingsFile } from '../deploy/settings-file';
import { textTable } from './format';
import { UsageError } from './usage-error';

/** The options of `mlp deploy` and `mlp preview`, as commander gives them. */
export interface FanOutOptions {
  readonly stack?: readonly string[];
  readonly affected?: boolean;
  readonly base?: string;
  readonly all?: boolean;
  readonly parallel: string;
  readonly refresh?: boolean;
  readonly configFile: string;
  readonly workDir: string;
  readonly expectNoChanges?: boolean;
  readonly summaryFile?: string;
  readonly drift?: boolean;
}

/** The stacks whose objects differ between `base` and the work tree (`mlp affected`). */
export type AffectedStacks = (options: {
  readonly base: string;
  readonly platformFile: string;
  readonly tenantsDir: string;
  /** The environment's settings file: a change of its `config:` affects stacks too. */
  readonly configFile: string;
}) => { readonly stacks: readonly string[] };

/** Runs `mlp deploy` (`up`) or `mlp preview` and returns the exit status. */
export async function runFanOut(
  action: PulumiAction,
  options: FanOutOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  affectedStacks: AffectedStacks,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const command = action === 'up' ? 'deploy' : 'preview';
  const parallel = Number(options.parallel);
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new UsageError(`--parallel ${options.parallel}: expected a whole number >= 1`, command);
  if (options.workDir === '') throw new UsageError('--work-dir: expected a folder, got an empty name', command);
  if (options.configFile === '') throw new UsageError('--config-file: expected the settings file, got an empty name', command);
  if (options.drift) {
    const others = [options.refresh && '--refresh', options.expectNoChanges && '--expect-no-changes', options.summaryFile !== undefined && '--summary-file'].filter(
      (flag): flag is string => typeof flag === 'string',
    );
    if (others.length > 0) throw new UsageError(`--drift runs its own two previews (plain and refreshed) and prints the drift; it does not take ${others.join(' or ')}`, command);
  }
  const projectDir = process.cwd();
  let selection: StackSelection;
  try {
    selection = select(command, options, projectDir, affectedStacks);
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    err.write(`mlp: ${error.message}\n`);
    return 1;
  }
  if ('stacks' in selection && selection.stacks.length === 0) {
    out.write(`mlp: no stack is affected since ${options.base}; nothing to ${command}\n`);
    if (options.summaryFile !== undefined) fs.writeFileSync(options.summaryFile, `No stack is affected since \`${options.base}\`.\n`);
    return 0;
  }
  let runs;
  try {
    runs = await runStacks({
      action,
      projectDir,
      settingsFile: options.configFile,
      workDir: options.workDir,
      selection,
      parallel,
      refresh: options.refresh ?? false,
      expectNoChanges: options.expectNoChanges ?? false,
      drift: options.drift ?? false,
      progress: err,
      env,
    });
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    err.write(`mlp: ${error.message}\n`);
    return 1;
  }
  if (options.drift) return reportDrift(runs, out, err);
  out.write(textTable(['STACK', 'RESULT', 'DURATION', 'LOG'], runs.map((run) => [run.stack, describe(run), run.outcome === 'not run' ? '-' : seconds(run.durationMs), run.log]), [2]));
  if (options.summaryFile !== undefined) fs.writeFileSync(options.summaryFile, previewSummary(runs));
  err.write(diagnostics(runs));
  const failure = failureLine(action, runs);
  if (failure === undefined) return 0;
  err.write(failure);
  return 1;
}

/**
 * `mlp preview --drift`: the table, then the drift of each stack that has
 * some (review/drift.ts, as scripts/drift-report.sh prints it for a single
 * stack). Exit status 1 when a stack has drift or its previews failed.
 */
function reportDrift(runs: readonly StackRun[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const drifts = new Map<string, DriftedObject[]>();
  const checked = runs.map((run): StackRun => {
    if (run.previews === undefined) return run;
    try {
      drifts.set(run.stack, driftedObjects(JSON.parse(run.previews.plain) as PreviewJson, JSON.parse(run.previews.refreshed) as PreviewJson));
      return run;
    } catch (error) {
      return { ...run, outcome: 'failed', reason: `pulumi preview --json printed no JSON (${(error as Error).message})` };
    }
  });
  const result = (run: StackRun) => {
    const drifted = drifts.get(run.stack);
    if (drifted === undefined) return describe(run);
    return drifted.length === 0 ? 'no drift' : `drift in ${drifted.length} object${drifted.length === 1 ? '' : 's'}`;
  };
  out.write(textTable(['STACK', 'RESULT', 'DURATION', 'LOG'], checked.map((run) => [run.stack, result(run), run.outcome === 'not run' ? '-' : seconds(run.durationMs), run.log]), [2]));
  const withDrift = checked.filter((run) => (drifts.get(run.stack)?.length ?? 0) > 0);
  for (const run of withDrift) out.write(`\nstack ${run.stack}: ${formatDrift(drifts.get(run.stack)!)}`);
  const failure = failureLine('preview', checked);
  if (withDrift.length > 0) {
    err.write(`mlp: drift in ${withDrift.length} of ${checked.length} ${checked.length === 1 ? 'stack' : 'stacks'}: ${withDrift.map((run) => run.stack).join(', ')}; the next mlp deploy --refresh puts it back\n`);
  }
  err.write(diagnostics(checked));
  if (failure !== undefined) err.write(failure);
  return withDrift.length > 0 || failure !== undefined ? 1 : 0;
}

/** The stacks to run, from exactly one of --stack, --affected --base and --all. */
function select(command: string, options: FanOutOptions, projectDir: string, affectedStacks: AffectedStacks): StackSelection {
  const given = [options.stack !== undefined && '--stack', options.affected && '--affected', options.all && '--all'].filter((flag): flag is string => typeof flag === 'string');
  if (given.length === 0) throw new UsageError(`${command} needs the stacks to run: --stack NAME (repeatable), --affected --base REF or --all`, command);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be used together: choose one`, command);
  if (options.base !== undefined && !options.affected) throw new UsageError('--base goes with --affected', command);
  if (options.stack !== undefined) {
    const wrong = options.stack.find((name) => !isStackName(name));
    if (wrong !== undefined) throw new UsageError(`--stack ${wrong}: not a stack name; expected platform or tenant-<tenant>, e.g. tenant-nlp`, command);
    return { stacks: [...new Set(options.stack)] };
  }
  if (options.all) return { all: true };
  if (options.base === undefined) throw new UsageError('--affected needs --base REF, the revision whose dist/ is deployed', command);
  const project = readProject(projectDir);
  const settings = readSettingsFile(options.configFile, projectDir, project.name);
  return { stacks: affectedStacks({ base: options.base, platformFile: settings.platformFile, tenantsDir: settings.tenantsDir, configFile: options.configFile }).stacks, affected: true };
}
