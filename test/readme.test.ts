/** The README's facts that code defines: checked against the code, so that they stay true. */
import * as fs from 'fs';
import * as path from 'path';
import { PlatformSpecSchema } from '../config/schema/platform';
import { ModelServiceSchema } from '../config/schema/tenant';
import { GpuTrainingJob } from '../lib/gpu-training-job';
import { only, tenantChart, workloadObjects } from './support/tenant';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  test('documents the ttlSecondsAfterFinished that training Jobs get', () => {
    const { chart, tenant } = tenantChart();
    new GpuTrainingJob(chart, 'train', {
      tenant,
      image: 'registry.example.com/vision/trainer:2.4.1',
      gpuType: { name: 'a100-80gb', nodeSelector: {}, tolerations: [] },
    });
    const ttl = only(workloadObjects(chart), 'Job').spec.ttlSecondsAfterFinished;
    expect(ttl).toBe(86400);
    expect(README).toContain(`| (not a field) | 1 day | \`ttlSecondsAfterFinished: ${ttl}\` on every Job`);
  });

  test('names the Kubernetes version the end-to-end suite runs against', () => {
    const tools = fs.readFileSync(path.join(__dirname, '..', 'scripts', 'build-tools.sh'), 'utf8');
    const version = /^K8S_VERSION=v(\S+)$/m.exec(tools)?.[1];
    expect(version).toMatch(/^1\.\d+\.\d+$/);
    expect(README).toContain('Kubernetes **1.31 or newer**');
    expect(README).toContain(`The end-to-end suite runs against ${version} only`);
  });
});

describe('README and docs: the fields of the files', () => {
  /** The text of the README from `heading` to the next heading of any level. */
  const section = (heading: string) => {
    const start = README.indexOf(`\n${heading}\n`);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = README.slice(start + heading.length + 2).search(/\n#+ /);
    return README.slice(start, end < 0 ? undefined : start + heading.length + 2 + end);
  };

  test('documents every field of a model service in its table', () => {
    const rows = section('## The tenant file')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split(' | ')[0]);
    const fields = Object.keys(ModelServiceSchema.shape);
    expect(fields).toEqual(expect.arrayContaining(['canary', 'targetRequestsPerReplica']));
    const documented = (field: string) => rows.some((row) => row.includes(`\`${field}\``) || row.includes(`\`${field}.`) || row.includes(`\`.${field}\``));
    expect(fields.filter((field) => !documented(field))).toEqual([]);
  });

  test('names every field of the platform spec, and says which autoscaling setting is required', () => {
    const text = section('## The platform file');
    const removed = ['ingress'];
    expect(Object.keys(PlatformSpecSchema.shape).filter((field) => !removed.includes(field) && !text.includes(`\`${field}\``))).toEqual([]);
    expect(text).toContain('`defaultTarget`, required');
  });

  test('keeps canaries and request autoscaling in docs/exposure.md, and no link to the folded docs/canary.md', () => {
    const docs = path.join(__dirname, '..', 'docs');
    expect(fs.existsSync(path.join(docs, 'canary.md'))).toBe(false);
    const exposure = fs.readFileSync(path.join(docs, 'exposure.md'), 'utf8');
    expect(exposure.split('\n').filter((line) => line.startsWith('## '))).toEqual(expect.arrayContaining(['## Canary releases', '## Autoscaling on requests']));
    expect(exposure).not.toContain('To be merged');
    const markdown = [path.join(__dirname, '..', 'README.md'), ...fs.readdirSync(docs).filter((file) => file.endsWith('.md')).map((file) => path.join(docs, file))];
    expect(markdown.length).toBeGreaterThan(3);
    expect(markdown.filter((file) => fs.readFileSync(file, 'utf8').includes('canary.md'))).toEqual([]);
    expect(fs.readFileSync(path.join(docs, 'reviewing.md'), 'utf8')).toContain('(exposure.md#canary-releases)');
  });
});
