/**
 * `npm run bench`: synthesis of N synthetic tenants (bench/synthetic-tenants.ts)
 * by (a) `mlp synth`, the command line, into an empty directory, against,
 * on the same input in the same run, (b) stock cdk8s with one App
 * (bench/stock-cdk8s.ts), (c) `kubectl kustomize` with one base and an
 * overlay per tenant (bench/kustomize.ts) and (d) the floor, writing the
 * already-built objects as YAML files (bench/floor.ts); then an unchanged
 * incremental re-run, and worker threads against child processes
 * (bench/pool-compare.ts). Every measurement runs in its own process;
 * medians of the repetitions are printed as a Markdown report.
 *
 * Options: --sizes 100,1000,10000  --reps 3  --budget 300 (seconds: a
 * baseline whose estimated run takes longer is not run, and says so)
 * --strategies 1000 (sizes for threads against processes; `none` for none)
 * --out FILE (also write the report there).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadConfig } from '../config/load';
import { readManifests } from '../synthesis/output-tree';
import { synthesizePlatform, synthesizeTenant } from '../stacks/synth';
import { findKubectl, kubectlVersion, writeKustomizeTree } from './kustomize';
import { Run, machineDescription, measure, median } from './measure';
import { stockFiles } from './stock-cdk8s';
import { syntheticTenantName, writeSyntheticProject } from './synthetic-tenants';

const REPO = path.resolve(__dirname, '..', '..');
const MLP = path.join(REPO, 'bin', 'mlp.js');
const BUILD = path.join(REPO, 'build', 'bench');

interface Measured {
  readonly runs: readonly Run[];
  /** Why it was not run, when it was not. */
  readonly skipped?: string;
  /** Times the script itself reported, per run. */
  readonly phases?: readonly Record<string, number>[];
}

const wall = (measured: Measured | undefined) => median(measured?.runs.map((run) => run.wallMs) ?? []);

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000,10000' },
      reps: { type: 'string', default: '3' },
      budget: { type: 'string', default: '300' },
      strategies: { type: 'string', default: '1000' },
      out: { type: 'string' },
    },
  });
  const sizes = values.sizes!.split(',').map(Number);
  const reps = Number(values.reps);
  const budgetMs = Number(values.budget) * 1000;
  const strategySizes = values.strategies === 'none' ? [] : values.strategies!.split(',').map(Number);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-bench-'));
  const kubectl = findKubectl();
  const lines: string[] = [
    '## Machine',
    '',
    ...machineDescription().map((line) => `- ${line}`),
    `- kubectl: ${kubectl ? `${kubectl} (${kubectlVersion(kubectl)})` : 'not found: (c) not measured'}`,
    '',
    `Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\` (medians of up to ${reps} runs; every run in its own process)`,
    '',
  ];
  const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
  const rows: string[] = [];
  const details: string[] = [];
  const history: Record<string, { n: number; ms: number }[]> = {};

  /**
   * Estimated time of one run of `name` at `n`: a power law through its last
   * two sizes, or with exponent `exponent` from its last size.
   */
  const estimate = (name: string, n: number, exponent: number): { ms: number; from?: { n: number; ms: number } } => {
    const points = history[name] ?? [];
    const last = points[points.length - 1];
    if (!last) return { ms: 0 };
    const before = points[points.length - 2];
    const power = before ? Math.min(2.5, Math.max(1, Math.log(last.ms / before.ms) / Math.log(last.n / before.n))) : exponent;
    return { ms: last.ms * (n / last.n) ** power, from: last };
  };

  /**
   * Runs a measurement up to `reps` times, fewer when the runs would take
   * more than the budget together, and not at all when one is estimated to.
   */
  const repeat = (name: string, n: number, exponent: number, run: () => Run, before?: () => void, phases?: (run: Run) => Record<string, number>, maxReps = reps): Measured => {
    const expected = estimate(name, n, exponent);
    if (expected.ms > budgetMs) {
      const from = expected.from!;
      return { runs: [], skipped: `not run: estimated ${(expected.ms / 1000).toFixed(0)} s from ${(from.ms / 1000).toFixed(1)} s at N=${from.n}, over the ${budgetMs / 1000} s budget` };
    }
    const runs: Run[] = [];
    for (let rep = 0; rep < maxReps; rep++) {
      before?.();
      const result = run();
      log(`${name} N=${n} run ${rep + 1}: ${result.timedOut ? 'stopped at the budget' : fmt(result.wallMs)}`);
      if (result.timedOut) {
        (history[name] ??= []).push({ n, ms: result.wallMs });
        return { runs, skipped: `stopped: longer than the ${budgetMs / 1000} s budget` };
      }
      runs.push(result);
      if (runs[0].wallMs * (rep + 2) > budgetMs) break;
    }
    (history[name] ??= []).push({ n, ms: median(runs.map((r) => r.wallMs))! });
    return { runs, ...(phases && { phases: runs.map(phases) }) };
  };
  const json = (run: Run) => JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number>;

  for (const n of sizes) {
    const dir = path.join(work, `n${n}`);
    fs.mkdirSync(dir, { recursive: true });
    log(`writing ${n} tenants to ${dir}`);
    writeSyntheticProject(dir, n, path.join(REPO, 'platform.yaml'));
    const inDir = (...parts: string[]) => path.join(dir, ...parts);
    const clear = (...dirs: string[]) => () => dirs.forEach((out) => fs.rmSync(inDir(out), { recursive: true, force: true }));

    const floor = repeat('floor', n, 1, () => measure('node', [path.join(BUILD, 'floor.js'), 'platform.yaml', 'tenants', 'out-d'], { cwd: dir }), clear('out-d'), json);
    const floorLibrary = repeat('floor-yaml-library', n, 1, () => measure('node', [path.join(BUILD, 'floor.js'), 'platform.yaml', 'tenants', 'out-d2', '--yaml-library'], { cwd: dir }), clear('out-d2'), json, 1);
    const floorMs = median(floor.phases?.map((phase) => phase.renderMs + phase.writeMs) ?? []);
    const floorLibraryMs = median(floorLibrary.phases?.map((phase) => phase.renderMs + phase.writeMs) ?? []);

    const mlp = repeat('mlp', n, 1, () => measure('node', [MLP, 'synth', '--no-incremental', '--out', 'out-a'], { cwd: dir }), () => {
      clear('out-a')();
      fs.rmSync(inDir('.out-a.mlp-cache.json'), { force: true });
    });
    const incremental = repeat('incremental', n, 1, () => measure('node', [MLP, 'synth', '--out', 'out-a'], { cwd: dir }));
    let edits = 0;
    const oneChanged = repeat('one-changed', n, 1, () => measure('node', [MLP, 'synth', '--out', 'out-a'], { cwd: dir }), () => {
      const file = inDir('tenants', `${syntheticTenantName(0)}.yaml`);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/pods: \d+/, `pods: ${100 + (++edits % 2)}`));
    });

    const stock = repeat('stock', n, 2, () => measure('node', [path.join(BUILD, 'stock-cdk8s.js'), 'platform.yaml', 'tenants', 'out-b'], { cwd: dir, timeoutMs: budgetMs }), clear('out-b'), json);
    let identical = 'not compared';
    if (stock.runs.length > 0 && n <= 1000) {
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const expected = readManifests(inDir('out-a'));
        const actual = stockFiles(loadConfig({ platformFile: 'platform.yaml', tenantsDir: 'tenants' }), inDir('out-b'));
        identical = [...expected].length === [...actual].length && [...expected].every(([file, content]) => actual.get(file) === content) ? 'byte-identical' : 'DIFFERENT';
      } finally {
        process.chdir(cwd);
      }
    }

    let kustomize: Measured = { runs: [], skipped: 'kubectl not found' };
    if (kubectl) {
      const expected = estimate('kustomize', n, 1);
      if (expected.ms > budgetMs) {
        kustomize = { runs: [], skipped: `not run: estimated ${(expected.ms / 1000).toFixed(0)} s from ${(expected.from!.ms / 1000).toFixed(1)} s at N=${expected.from!.n}, over the ${budgetMs / 1000} s budget` };
      } else {
        log(`writing the kustomize base and ${n} overlays`);
        const config = withCwd(dir, () => loadConfig({ platformFile: 'platform.yaml', tenantsDir: 'tenants' }));
        const root = writeKustomizeTree(inDir('kustomize'), synthesizePlatform(config.platform, config.file), (function* () {
          for (const tenant of config.tenants) yield synthesizeTenant(config.platform, tenant);
        })());
        const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
        kustomize = repeat('kustomize', n, 1, () => measure('node', [path.join(BUILD, 'kustomize.js'), kubectl, path.dirname(root), 'out-c', String(cores)], { cwd: dir, timeoutMs: budgetMs }), clear('out-c'));
        const documents = fs.readdirSync(inDir('out-c')).reduce((sum, file) => sum + fs.readFileSync(inDir('out-c', file), 'utf8').split(/^---$/m).length, 0);
        const all = repeat('kustomize-all', n, 2, () => measure(kubectl, ['kustomize', root], { cwd: dir, stdoutFile: inDir('out-c.yaml'), timeoutMs: budgetMs }));
        details.push(
          `- N=${n}: (c) ${cores} \`kubectl kustomize\` runs at a time, one per overlay, rendered ${documents} objects (mlp: ${mlp.runs.length ? readManifests(inDir('out-a')).size : '?'} files); ` +
            `one run over a kustomization of all overlays: ${all.skipped ?? `${fmt(wall(all))}, peak RSS ${median(all.runs.map((run) => run.maxRssMiB))?.toFixed(0) ?? '–'} MiB`}`,
        );
      }
    }

    const a = wall(mlp);
    const ratio = (other: number | undefined) => (a !== undefined && other !== undefined ? (a / other).toFixed(2) : '–');
    const seconds = (ms: number | undefined, measured?: Measured) => (measured?.skipped ? measured.skipped : ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
    const rss = (measured: Measured) => median(measured.runs.map((run) => run.maxRssMiB));
    rows.push(
      `| ${n} | ${seconds(a)} | ${a === undefined ? '–' : ((a / n) * 1000).toFixed(0)} µs | ${seconds(median(mlp.runs.map((run) => run.cpuMs)))} | ${rss(mlp)?.toFixed(0) ?? '–'} MiB ` +
        `| ${seconds(wall(stock), stock)} | ${rss(stock)?.toFixed(0) ?? '–'} MiB | ${seconds(wall(kustomize), kustomize)} | ${rss(kustomize)?.toFixed(0) ?? '–'} MiB ` +
        `| ${seconds(floorMs)} | ${ratio(wall(stock))} | ${ratio(wall(kustomize))} | ${ratio(floorMs)} | ${seconds(wall(incremental))} | ${seconds(wall(oneChanged))} | ${mlp.runs.length} |`,
    );
    details.push(
      `- N=${n}: floor (d) = render ${fmt(median(floor.phases?.map((p) => p.renderMs) ?? []))} + write ${fmt(median(floor.phases?.map((p) => p.writeMs) ?? []))}; ` +
        `with yaml's stringify instead of the project's renderer (one run): ${fmt(floorLibraryMs)} (render ${fmt(median(floorLibrary.phases?.map((p) => p.renderMs) ?? []))})`,
      stock.phases?.length
        ? `- N=${n}: stock cdk8s (b) = load ${fmt(median(stock.phases.map((p) => p.loadMs)))} + construct ${fmt(median(stock.phases.map((p) => p.constructMs)))} + app.synth() ${fmt(median(stock.phases.map((p) => p.synthMs)))}; (a) and (b) ${identical}`
        : `- N=${n}: stock cdk8s (b) ${stock.skipped}`,
    );
    if (strategySizes.includes(n)) details.push(...strategies(dir, n, reps, log));
    fs.rmSync(dir, { recursive: true, force: true });
    if (values.out) fs.writeFileSync(values.out, report(lines, rows, details));
  }

  const text = report(lines, rows, details);
  process.stdout.write(text);
  if (values.out) fs.writeFileSync(values.out, text);
  fs.rmSync(work, { recursive: true, force: true });
}

/** The Markdown report: the machine, the table and the details. */
function report(head: readonly string[], rows: readonly string[], details: readonly string[]): string {
  return [
    ...head,
    '## Results',
    '',
    '(a) `mlp synth --no-incremental` into an empty directory, the whole command; (b) stock cdk8s, one App, `app.synth()`; (c) `kubectl kustomize`, one base and N overlays, one run per overlay, as many at a time as there are cores;',
    '(d) floor: rendering and writing the already-built objects, one thread. Wall times; ratios of medians. "re-run": an unchanged incremental `mlp synth` after (a);',
    '"1 changed": an incremental `mlp synth` after one tenant file changed.',
    '',
    '| N | (a) wall | (a) per tenant | (a) CPU | (a) peak RSS | (b) stock cdk8s | (b) RSS | (c) kustomize | (c) RSS | (d) floor | (a)/(b) | (a)/(c) | (a)/(d) | re-run | 1 changed | runs of (a) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...details,
    '',
    `Load average at the end: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`,
    '',
  ].join('\n');
}

/** Worker threads against child processes against one thread, and the command line with 1, 2 and 3 threads. */
function strategies(dir: string, n: number, reps: number, log: (text: string) => void): string[] {
  const variants: [string, () => Run][] = [
    ['one thread, in-process', () => measure('node', [path.join(BUILD, 'pool-compare.js'), 'inline', '0', 'platform.yaml', 'tenants', 'out-e'], { cwd: dir })],
    ['2 worker threads (main thread only distributes)', () => measure('node', [path.join(BUILD, 'pool-compare.js'), 'threads', '2', 'platform.yaml', 'tenants', 'out-e'], { cwd: dir })],
    ['2 child processes (main process only distributes)', () => measure('node', [path.join(BUILD, 'pool-compare.js'), 'processes', '2', 'platform.yaml', 'tenants', 'out-e'], { cwd: dir })],
    ['`mlp synth --jobs 1` (main thread alone)', () => measure('node', [MLP, 'synth', '--no-incremental', '--jobs', '1', '--out', 'out-e'], { cwd: dir })],
    ['`mlp synth --jobs 2` (main thread + 1 worker thread, the default here)', () => measure('node', [MLP, 'synth', '--no-incremental', '--jobs', '2', '--out', 'out-e'], { cwd: dir })],
    ['`mlp synth --jobs 3` (main thread + 2 worker threads)', () => measure('node', [MLP, 'synth', '--no-incremental', '--jobs', '3', '--out', 'out-e'], { cwd: dir })],
  ];
  const results = new Map<string, Run[]>(variants.map(([name]) => [name, []]));
  // Interleaved, so that the machine's load changes hit every variant alike.
  for (let rep = 0; rep < reps; rep++) {
    for (const [name, run] of variants) {
      fs.rmSync(path.join(dir, 'out-e'), { recursive: true, force: true });
      fs.rmSync(path.join(dir, '.out-e.mlp-cache.json'), { force: true });
      log(`${name} N=${n} run ${rep + 1}`);
      const result = run();
      const reported = result.stdout.trim().startsWith('{') ? (JSON.parse(result.stdout.trim()) as { cpuMs: number; maxRssMiB: number; startMs: number }) : undefined;
      results.get(name)!.push(reported ? { ...result, cpuMs: reported.cpuMs, maxRssMiB: reported.maxRssMiB, stdout: String(reported.startMs) } : result);
    }
  }
  return [
    '',
    `Threads, processes, in-process at N=${n} (median of ${reps}, interleaved; for child processes CPU and RSS add up all processes; "ready" is when the last worker answered its first batch):`,
    '',
    '| variant | wall | CPU | peak RSS | ready |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...variants.map(([name]) => {
      const runs = results.get(name)!;
      const ready = median(runs.map((run) => (/^\d/.test(run.stdout) ? Number(run.stdout) : undefined)));
      return `| ${name} | ${fmt(median(runs.map((run) => run.wallMs)))} | ${fmt(median(runs.map((run) => run.cpuMs)))} | ${median(runs.map((run) => run.maxRssMiB))?.toFixed(0) ?? '–'} MiB | ${fmt(ready)} |`;
    }),
  ];
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function withCwd<T>(dir: string, action: () => T): T {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return action();
  } finally {
    process.chdir(cwd);
  }
}

main();
