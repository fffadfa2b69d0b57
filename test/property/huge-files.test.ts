/**
 * Huge and deeply nested inputs: the size limit holds at its boundary and for
 * any content, a 50 MB file is refused without being parsed, and 100,000
 * levels of nesting give the clear error (other kinds of nesting, 1,000 and
 * 10,000 levels deep at random places, are in invalid-tenants.test.ts).
 * Times and memory are measured outside the tests, never asserted here.
 */
import * as fs from 'fs';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { MAX_FILE_BYTES } from '../../config/schema/parse-file';
import { PROPERTY_TIMEOUT_MS, displayName, expectClearError, load, runs, withProject } from './harness';
import { tenantText, validTenant } from './tenant-arbitraries';

// Count parses, to show that a file over the limit is refused before parsing.
jest.mock('yaml', () => {
  const actual = jest.requireActual('yaml');
  return { ...actual, parseAllDocuments: jest.fn(actual.parseAllDocuments) };
});

/** The problem of a file over the limit, as the README promises it. */
const SIZE_PROBLEM = /^file is (\d+) bytes; input files are limited to (\d+) bytes$/;

/** Exactly `bytes` bytes: `prefix`, then a comment of `unit` characters (topped up with ASCII) and a newline. */
function padded(prefix: string, unit: string, bytes: number): Buffer {
  const head = Buffer.from(`${prefix}#`, 'utf8');
  const unitBytes = Buffer.from(unit, 'utf8');
  const room = bytes - head.length - 1;
  const units = Math.floor(room / unitBytes.length);
  return Buffer.concat([head, Buffer.alloc(units * unitBytes.length, unitBytes), Buffer.alloc(room - units * unitBytes.length, 'x'), Buffer.from('\n')]);
}

describe('huge and deeply nested files (property)', () => {
  test('the size limit counts the bytes of the file: above it the one size problem, at or below it never', () => {
    const file = fc.record({
      tenant: validTenant(),
      // Characters of 1 to 4 bytes in UTF-8, and bytes that are not UTF-8 at all.
      unit: fc.constantFrom('a', 'é', '€', '🙂'),
      binary: fc.boolean(),
      offset: fc.integer({ min: -64, max: 64 }),
    });
    fc.assert(
      fc.property(file, ({ tenant, unit, binary, offset }) => {
        const bytes = MAX_FILE_BYTES + offset;
        const content = binary ? Buffer.alloc(bytes, 0xff) : padded(tenantText(tenant), unit, bytes);
        expect(content.length).toBe(bytes);
        withProject({ [`${tenant.name}.yaml`]: content }, (project) => {
          const outcome = load(project);
          const sizeProblems = outcome.error?.problems.filter((problem) => SIZE_PROBLEM.test(problem.message)) ?? [];
          if (bytes > MAX_FILE_BYTES) {
            expect(outcome.error).toBeDefined();
            expectClearError(outcome.error!, new Map([[displayName(project, `${tenant.name}.yaml`), content]]));
            expect(outcome.error!.problems).toHaveLength(1);
            expect(sizeProblems.map((problem) => problem.message)).toEqual([`file is ${bytes} bytes; input files are limited to ${MAX_FILE_BYTES} bytes`]);
          } else {
            expect(sizeProblems).toEqual([]);
          }
        });
      }),
      runs(20),
    );
  }, PROPERTY_TIMEOUT_MS);

  test('a 50 MB tenant file is refused by the size limit without being parsed', () => {
    const bytes = 50 * 1024 * 1024;
    const content = padded(`apiVersion: platform.mlp.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: huge\nspec:\n  costCenter: cc-1\n  owners:\n    - user: a\n`, 'a', bytes);
    withProject({ 'huge.yaml': content }, (project) => {
      const parses = jest.mocked(parseAllDocuments).mock.calls.length;
      const outcome = load(project);
      expect(outcome.error?.problems).toEqual([{ file: displayName(project, 'huge.yaml'), message: `file is ${bytes} bytes; input files are limited to ${MAX_FILE_BYTES} bytes` }]);
      // The platform file is parsed; the tenant file is not.
      expect(jest.mocked(parseAllDocuments).mock.calls.length - parses).toBe(1);
      expect(jest.mocked(parseAllDocuments).mock.calls.slice(parses).map(([text]) => text.length)).toEqual([fs.readFileSync(project.platformFile, 'utf8').length]);
    });
  }, PROPERTY_TIMEOUT_MS);

  test.each([
    ['flow lists', (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`],
    ['block lists', (depth: number) => `\n${'- '.repeat(depth)}1`],
  ])('100,000 levels of nested %s give the clear error', (_kind, nest) => {
    const text = `apiVersion: platform.mlp.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: deep\nspec:\n  costCenter: cc-1\n  owners: ${nest(100_000)}\n`;
    withProject({ 'deep.yaml': text }, (project) => {
      const outcome = load(project);
      expect(outcome.error).toBeDefined();
      expectClearError(outcome.error!, new Map([[displayName(project, 'deep.yaml'), text]]));
    });
  }, PROPERTY_TIMEOUT_MS);
});
