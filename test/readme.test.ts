/** The README's facts that code defines: checked against the code, so that they stay true. */
import * as fs from 'fs';
import * as path from 'path';
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
