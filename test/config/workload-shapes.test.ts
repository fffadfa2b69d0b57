/**
 * The resolved configs are derived from the construct props
 * (config/workload-shapes.ts): a prop added to a construct, or a field added
 * to the tenant file schema, that is not carried through fails to type-check.
 * Each test compiles the sources with one file edited in memory.
 */
import * as path from 'path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../support/fixtures';

const ROOTS = ['stacks/tenant-chart.ts', 'config/workload-shapes.ts'].map((file) => path.join(REPO_ROOT, file));
const options: ts.CompilerOptions = (() => {
  const config = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.build.json'), ts.sys.readFile);
  return { ...ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT).options, noEmit: true };
})();

let previous: ts.Program | undefined;

/** The type errors of the sources with `edit` applied to `file`: `file:line: message`. */
function typeErrors(file: string, edit: (text: string) => string): string[] {
  const edited = path.join(REPO_ROOT, file);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => {
    const text = readFile(name);
    return text !== undefined && path.resolve(name) === edited ? edit(text) : text;
  };
  const program = ts.createProgram({ rootNames: ROOTS, options, host, oldProgram: previous });
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${path.relative(REPO_ROOT, diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '';
    return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

/** `text` with `replacement` in place of `anchor`, which must occur once. */
function replaceOnce(text: string, anchor: string, replacement: string): string {
  expect(text.split(anchor)).toHaveLength(2);
  return text.replace(anchor, replacement);
}

describe('workload shapes', () => {
  jest.setTimeout(300_000);

  test('the sources type-check unedited', () => {
    expect(typeErrors('lib/gpu-training-job.ts', (text) => text)).toEqual([]);
  });

  test('fails when a GpuTrainingJob prop is added but not resolved', () => {
    const errors = typeErrors('lib/gpu-training-job.ts', (text) =>
      replaceOnce(text, '  readonly waitImage?: string;\n}', '  readonly waitImage?: string;\n  readonly warmupSeconds?: number;\n}'),
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((error) => error.startsWith('config/tenant-config.ts:') && error.includes("Property 'warmupSeconds' is missing"))).toBe(true);
    expect(errors.some((error) => error.startsWith('config/workload-shapes.ts:') && error.includes('"warmupSeconds"'))).toBe(true);
  });

  test('fails when a ModelService prop is added but not resolved', () => {
    const errors = typeErrors('lib/model-service.ts', (text) =>
      replaceOnce(text, '  readonly canary?: CanaryOptions;\n}', '  readonly canary?: CanaryOptions;\n  readonly warmupSeconds?: number;\n}'),
    );
    expect(errors.some((error) => error.startsWith('config/tenant-config.ts:') && error.includes("Property 'warmupSeconds' is missing"))).toBe(true);
  });

  test('fails when a TenantNamespace prop is added but not resolved', () => {
    const errors = typeErrors('lib/tenant-namespace.ts', (text) =>
      replaceOnce(text, '  readonly labels?: Readonly<Record<string, string>>;\n}', '  readonly labels?: Readonly<Record<string, string>>;\n  readonly annotations?: Readonly<Record<string, string>>;\n}'),
    );
    expect(errors.some((error) => error.startsWith('config/tenant-config.ts:') && error.includes("Property 'annotations' is missing"))).toBe(true);
  });

  test('fails when the tenant file schema gains a training job field that no prop takes', () => {
    const errors = typeErrors('config/schema/tenant.ts', (text) =>
      replaceOnce(text, "    image: ImageSchema,\n    command: z.array(z.string()).optional().meta({ description: 'Entrypoint. @default the image entrypoint' }),\n    args: z.array(z.string()).optional().meta({ description: 'Arguments. @default the image arguments' }),\n    env: EnvSchema.default({}),\n    gpus: wholeNumber(0, `GPUs per worker.",
        "    image: ImageSchema,\n    command: z.array(z.string()).optional().meta({ description: 'Entrypoint. @default the image entrypoint' }),\n    args: z.array(z.string()).optional().meta({ description: 'Arguments. @default the image arguments' }),\n    env: EnvSchema.default({}),\n    nodePool: z.string().optional(),\n    gpus: wholeNumber(0, `GPUs per worker."),
    );
    expect(errors).toEqual([expect.stringMatching(/^config\/workload-shapes\.ts:\d+: Type '"nodePool"' does not satisfy the constraint 'never'\.$/)]);
  });
});
