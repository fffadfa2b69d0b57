/**
 * Each name rule, ordering, JSON reader and workload default lives in one
 * module (docs/architecture.md); the others import it. A second copy of one
 * of them in the source folders fails here, naming the file and line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SOURCE_FOLDERS } from '../architecture/import-rules';
import { REPO_ROOT } from '../support/fixtures';

function sourceLines(): { where: string; text: string }[] {
  const lines: { where: string; text: string }[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) {
        fs.readFileSync(path.join(REPO_ROOT, child), 'utf8')
          .split('\n')
          .forEach((text, index) => lines.push({ where: `${child}:${index + 1}`, text }));
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(folder);
  return lines;
}

const lines = sourceLines();
const filesWith = (needle: string | RegExp) => [
  ...new Set(lines.filter((line) => (typeof needle === 'string' ? line.text.includes(needle) : needle.test(line.text))).map((line) => line.where.split(':')[0])),
];

describe('one source for each rule', () => {
  test('the scan reads every source folder', () => {
    expect(lines.length).toBeGreaterThan(5000);
    expect(new Set(lines.map((line) => line.where.split('/')[0]))).toEqual(new Set(SOURCE_FOLDERS));
  });

  test.each<[string, string | RegExp, string[]]>([
    ['the DNS-1123 label pattern', '[a-z0-9]([-a-z0-9]*[a-z0-9])?$/', ['lib/names.ts']],
    ['the DNS-1035 label pattern', '/^[a-z]([-a-z0-9]*[a-z0-9])?$/', ['lib/names.ts']],
    ['the host name pattern', '[a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z]{2,}$/', ['lib/names.ts']],
    ['the name comparator', '< b ? -1', ['lib/names.ts']],
    ['the JSON mapping test', "typeof value === 'object' && !Array.isArray(value)", ['policy/json.ts']],
    ['the rendezvous port', '29500', ['lib/gpu-training-job.ts']],
    ['the replica default formula', 'Math.min(2,', ['lib/model-service.ts']],
    ['the shm size formula', /memory\w*\)? \/ 2\b/i, ['lib/gpu-training-job.ts']],
  ])('%s is written in one module', (_what, needle, files) => {
    expect(filesWith(needle)).toEqual(files);
  });

  test('the defaults of the workload schemas come from the constructs', () => {
    const schema = lines.filter((line) => line.where.startsWith('config/schema/tenant.ts:'));
    expect(schema.length).toBeGreaterThan(100);
    const literalDefaults = schema.filter((line) => /\.default\((\d+|'(4|16Gi|1|2Gi|24h|\/healthz|\/metrics|\/checkpoints)')\)/.test(line.text));
    expect(literalDefaults).toEqual([]);
  });
});
