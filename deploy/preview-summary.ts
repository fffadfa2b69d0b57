/**
 * The markdown of `mlp preview --summary-file`, for the pull-request
 * comment: per stack its changes counted (pulumi's `Resources:` lines), the
 * diff in a collapsed block, a failure with the end of its log.
 */
import { StackRun, describe, tail } from './run-stacks';

/** The most characters of one stack's preview output in the summary (a comment holds at most 65,536). */
export const MAX_PREVIEW_CHARS = 20_000;
/** Lines of a failed stack's log in the summary. */
export const FAILURE_TAIL_LINES = 30;

/**
 * The counts of pulumi's closing `Resources:` block, e.g.
 * `1 to update, 41 unchanged`; undefined when the output has none.
 */
export function changeCounts(output: string): string | undefined {
  const lines = output.split('\n');
  const start = lines.lastIndexOf('Resources:');
  if (start < 0) return undefined;
  const counts: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+(?:[-+~]+\s*)?(\d+ .+?)\s*$/.exec(line);
    if (match === null) break;
    counts.push(match[1]);
  }
  return counts.length === 0 ? undefined : counts.join(', ');
}

/** The summary of the previews of these stacks, one section each. */
export function previewSummary(runs: readonly StackRun[]): string {
  return runs.map(section).join('\n');
}

function section(run: StackRun): string {
  const fence = (text: string, language = '') => {
    const ticks = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((match) => match[0].length + 1)));
    return `${ticks}${language}\n${text.replace(/\n+$/, '')}\n${ticks}\n`;
  };
  const heading = (status: string) => `### \`${run.stack}\`: ${status}\n\n`;
  if (run.outcome === 'not run') return `${heading(describe(run))}`;
  const output = run.output ?? '';
  if (run.outcome === 'failed') {
    return `${heading('preview failed')}The last lines of its log (${run.log}):\n\n${fence(tail(output, FAILURE_TAIL_LINES))}`;
  }
  const shown = output.length > MAX_PREVIEW_CHARS ? `${output.slice(0, MAX_PREVIEW_CHARS)}\n... (cut at ${MAX_PREVIEW_CHARS} characters; the whole preview is in the job's log)` : output;
  return `${heading(changeCounts(output) ?? 'no summary in the output')}<details><summary>pulumi preview --diff</summary>\n\n${fence(shown, 'diff')}\n</details>\n`;
}
