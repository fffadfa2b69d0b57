/**
 * A small run of the benchmark's measured paths (bench/run.ts), for CI: it
 * checks that they run and that (a) `mlp synth` and (b) stock cdk8s with one
 * App write the same manifests. No timing is asserted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stockFiles, stockSynth } from '../../bench/stock-cdk8s';
import { writeSyntheticProject } from '../../bench/synthetic-tenants';
import { main } from '../../cli/mlp';
import { loadConfig } from '../../config/load';
import { readManifests } from '../../synthesis/output-tree';
import { FIXTURE_PLATFORM_FILE } from '../support/fixtures';

const N = 50;

describe('benchmark smoke run', () => {
  let dir: string;
  let cwd: string;
  beforeAll(() => {
    cwd = process.cwd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-bench-smoke-'));
    writeSyntheticProject(dir, N, FIXTURE_PLATFORM_FILE);
    process.chdir(dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test(`(a) mlp synth and (b) stock cdk8s write byte-identical manifests of ${N} tenants`, () => {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    expect(main(['synth', '--no-incremental', '--out', 'out-a'], sink, sink)).toBe(0);
    const config = loadConfig({ platformFile: 'platform.yaml', tenantsDir: 'tenants' });
    stockSynth(config, 'out-b');

    const a = readManifests('out-a');
    expect(a.size).toBeGreaterThan(N * 25);
    const b = stockFiles(config, 'out-b');
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...b.keys()].filter((file) => b.get(file) !== a.get(file))).toEqual([]);
  });
});
