/**
 * `mlp affected`: the stacks a change affects, as text for people or as
 * one line of JSON for CI (`{"version":1,"stacks":[...]}`, the input of
 * `mlp deploy --affected`; with `--shards N` also `"shards"`, the preview matrix).
 */
import { synthesize } from '../stacks/pipeline';
import { Affected, affectedStacks } from '../review/affected';
import { GENERATED_HEADER } from '../synthesis/output-tree';
import { renderGroups } from '../synthesis/render';
import { AffectedStacks } from './deploy';
import { shardStacks } from '../deploy/shards';
import { alignedRows } from './format';

/** Formats `mlp affected` writes. */
export const AFFECTED_FORMATS = ['text', 'json'] as const;
export type AffectedFormat = (typeof AFFECTED_FORMATS)[number];

/** Version of the JSON shape; raised when a field changes meaning or disappears. */
export const AFFECTED_JSON_VERSION = 1;

export interface AffectedCommandOptions {
  /** The git revision to compare against. */
  readonly base: string;
  readonly format: AffectedFormat;
  /** With the JSON format: also group the stacks into at most this many shards (`shards`), for a CI matrix. */
  readonly shards?: number;
  readonly platformFile: string;
  readonly tenantsDir: string;
  /** The output folder whose committed files stand for what the revision deployed. */
  readonly outDir: string;
  /** The environment's settings file, whose `config:` changes affect stacks too (none: not compared). */
  readonly configFile?: string;
}

/**
 * Synthesizes the work tree in memory, compares it with the revision's
 * committed output folder and writes the affected stacks. Returns the exit status (0).
 */
export function runAffected(options: AffectedCommandOptions, out: NodeJS.WritableStream): number {
  const affected = findAffected(options);
  if (options.format === 'json') {
    // One line, `version` first: a GitHub Actions step output takes it as it is (fromJSON).
    const stacks = affected.stacks.map((entry) => entry.stack);
    out.write(`${JSON.stringify({ version: AFFECTED_JSON_VERSION, stacks, ...(options.shards !== undefined && { shards: shardStacks(stacks, options.shards) }) })}\n`);
  } else if (affected.stacks.length === 0) {
    out.write('no stack is affected\n');
  } else {
    out.write(alignedRows(affected.stacks.map((entry) => [entry.stack, entry.reason])));
  }
  return 0;
}

/**
 * The stacks `mlp affected --base REF` lists, for `mlp deploy --affected` and
 * `mlp preview --affected` (the output folder is `$CDK8S_OUTDIR`, else dist,
 * in the working directory).
 */
export const affectedStackNames: AffectedStacks = ({ base, platformFile, tenantsDir, configFile }) => ({
  stacks: findAffected({ base, platformFile, tenantsDir, configFile, outDir: process.env.CDK8S_OUTDIR ?? 'dist' }).stacks.map((entry) => entry.stack),
});

/** Synthesizes the work tree in memory and compares it with the revision's committed output folder. */
function findAffected(options: Omit<AffectedCommandOptions, 'format'>): Affected {
  const { groups } = synthesize({ platformFile: options.platformFile, tenantsDir: options.tenantsDir });
  return affectedStacks({
    base: options.base,
    files: renderGroups(groups),
    outDir: options.outDir,
    generatedHeader: GENERATED_HEADER,
    tenantsDir: options.tenantsDir,
    ...(options.configFile !== undefined && { configFile: options.configFile }),
  });
}
