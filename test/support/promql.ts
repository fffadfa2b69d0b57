/**
 * PromQL syntax checks with the Prometheus project's own grammar
 * (`@prometheus-io/lezer-promql`, the parser of the Prometheus web UI).
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Offsets of syntax errors in `expr`; empty when it parses. */
export function promqlSyntaxErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}
