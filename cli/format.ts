/**
 * Output formats shared by `mlp diff` and `mlp report`: aligned text
 * tables, Markdown tables, CSV and JSON with sorted keys.
 */

/** JSON with object keys sorted at every level and two-space indentation, ending in a newline. */
export function stableJson(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(
        Object.keys(item as Record<string, unknown>)
          .sort()
          .filter((key) => (item as Record<string, unknown>)[key] !== undefined)
          .map((key) => [key, sort((item as Record<string, unknown>)[key])]),
      );
    }
    return item;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Columns padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, alignRight: readonly number[] = []): string {
  return alignedRows([header, ...rows], alignRight);
}

/** Rows whose columns are padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function alignedRows(all: ReadonlyArray<readonly string[]>, alignRight: readonly number[] = []): string {
  const columns = Math.max(0, ...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...all.map((row) => [...(row[column] ?? '')].length)));
  const pad = (cell: string, column: number) => {
    const fill = ' '.repeat(widths[column] - [...cell].length);
    return alignRight.includes(column) ? fill + cell : cell + fill;
  };
  return all.map((row) => row.map((cell, column) => pad(cell ?? '', column)).join('  ').trimEnd()).join('\n') + '\n';
}

/** A Markdown table cell: pipes escaped, line breaks as spaces. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, alignRight: readonly number[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, column) => (alignRight.includes(column) ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n') + '\n';
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV lines with a header, `\n` line ends. */
export function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** A number with at most `digits` decimals and no trailing zeros: `2.5`, `16`. */
export function formatNumber(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}

/** A count and its noun, in the plural unless the count is 1: `1 tenant`, `2 tenants`, `0 tenant files`. */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
