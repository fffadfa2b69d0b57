/**
 * Baseline (b) of the benchmark: stock cdk8s. One App holds the platform
 * chart and one TenantChart per tenant, the same constructs `mlp synth`
 * uses, and `app.synth()` writes one multi-document YAML file per chart.
 * Every chart's synthesis re-walks the whole App (dependencies and
 * validation), so time grows with the square of the number of tenants.
 *
 * Run as a script (`node build/bench/stock-cdk8s.js PLATFORM TENANTS OUT`)
 * it prints its phases' times as JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { PlatformConfig, loadConfig } from '../config/load';
import { PlatformChart } from '../stacks/platform-chart';
import { PLATFORM_DIR, manifestFileName } from '../stacks/synth';
import { KubeObject } from '../policy/kube-object';
import { renderObject } from '../synthesis/render';
import { TenantChart } from '../stacks/tenant-chart';

/** Builds the single App and synthesizes it into `outDir`; returns the times of both phases. */
export function stockSynth(config: PlatformConfig, outDir: string): { constructMs: number; synthMs: number } {
  const start = performance.now();
  const app = new App({ outdir: outDir });
  new PlatformChart(app, 'platform', { platform: config.platform });
  for (const tenant of config.tenants) new TenantChart(app, tenant.name, { platform: config.platform, tenant });
  const built = performance.now();
  app.synth();
  return { constructMs: built - start, synthMs: performance.now() - built };
}

/**
 * The objects of stock synthesis's chart files, rendered the way `mlp synth`
 * lays them out (`<tenant>/<kind>-<name>.yaml` with its header), to compare
 * the two byte for byte.
 */
export function stockFiles(config: PlatformConfig, outDir: string): Map<string, string> {
  const sources = new Map([[PLATFORM_DIR, config.file], ...config.tenants.map((tenant) => [tenant.name, tenant.file] as const)]);
  const files = new Map<string, string>();
  for (const file of fs.readdirSync(outDir).sort()) {
    const chart = file.replace(/\.k8s\.yaml$/, '').replace(/^\d{4}-/, '');
    const dir = chart === 'platform' ? PLATFORM_DIR : chart;
    const source = sources.get(dir);
    if (source === undefined) throw new Error(`${file}: no chart ${chart}`);
    for (const document of parseAllDocuments(fs.readFileSync(path.join(outDir, file), 'utf8'))) {
      const object = document.toJS() as KubeObject | null;
      if (object) files.set(`${dir}/${manifestFileName(object)}`, renderObject(object, source));
    }
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

if (require.main === module) {
  const [platformFile, tenantsDir, outDir] = process.argv.slice(2);
  const start = performance.now();
  const config = loadConfig({ platformFile, tenantsDir });
  const loadMs = performance.now() - start;
  process.stdout.write(`${JSON.stringify({ loadMs, ...stockSynth(config, outDir) })}\n`);
}
