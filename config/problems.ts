/**
 * Problems found in input files, reported all together and never as a
 * stack trace: `tenants/vision.yaml:12: spec.quota.gpu: expected ...`.
 */

/** One thing wrong with one input file. */
export interface Problem {
  /** The file, as the user named it (relative to the working directory where possible). */
  readonly file: string;
  /** The field, e.g. `spec.trainingJobs[1].gpus`; absent for whole-file problems. */
  readonly path?: string;
  /** 1-based line of the field, where the YAML parser knows it. */
  readonly line?: number;
  /** What is wrong, what was found and what is allowed. */
  readonly message: string;
}

/** Formats a problem as `file:line: path: message`. */
export function formatProblem(problem: Problem): string {
  const where = problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.file;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** Sorts problems by file, then line, then path, so reports are stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.path ?? '').localeCompare(b.path ?? '') ||
      a.message.localeCompare(b.message),
  );
}

/** Thrown when input files are invalid; carries every problem found. */
export class ValidationError extends Error {
  public readonly problems: readonly Problem[];

  public constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
    super(`${count} found:\n${sorted.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`);
    this.name = 'ValidationError';
    this.problems = sorted;
  }
}

/** Formats a field path: `spec.trainingJobs[1].gpus`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else {
      const key = String(segment);
      text += /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (text ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return text;
}
