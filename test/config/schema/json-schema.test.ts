import * as path from 'path';
import { jsonSchemaFiles } from '../../../config/schema/json-schema';
import { compareTree } from '../../../synthesis/output-tree';
import { REPO_ROOT } from '../../support/fixtures';

describe('JSON Schemas', () => {
  test('match the committed schema/ (run `npm run schema` after changing config/schema)', () => {
    expect(compareTree(path.join(REPO_ROOT, 'schema'), jsonSchemaFiles())).toEqual({ missing: [], extra: [], changed: [] });
  });

  test('describe the tenant file for editors: required fields, defaults, no unknown fields', () => {
    const schema = JSON.parse(jsonSchemaFiles().get('tenant.schema.json')!);
    const spec = schema.properties.spec;
    expect(schema.additionalProperties).toBe(false);
    expect(spec.required).toEqual(['costCenter', 'owners']);
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.tier).toMatchObject({ enum: ['critical', 'standard', 'batch'], default: 'standard' });
    expect(spec.properties.quota.properties.gpu).toMatchObject({ type: 'integer', minimum: 0 });
    expect(spec.properties.trainingJobs.items.properties.workers).toMatchObject({ default: 1, minimum: 1 });
    expect(spec.properties.trainingJobs.items.properties.gpus.description).toContain('GPUs per worker');
  });

  test('describe the platform bounds and network ranges with their defaults, and amounts with the Kubernetes grammar', () => {
    const platform = JSON.parse(jsonSchemaFiles().get('platform.schema.json')!).properties.spec.properties;
    expect(platform.limits.properties.container.properties.minMemory.description).toContain('@default 16Mi');
    expect(platform.limits.properties.quota.properties.gpu).toMatchObject({ type: 'integer', default: 1024 });
    expect(platform.network.properties.podCidrs.default).toEqual(['10.244.0.0/16']);
    expect(platform.network.properties.egress.properties.minPrefixLength.properties.ipv4).toMatchObject({ type: 'integer', minimum: 1, maximum: 32, default: 8 });
    const tenant = JSON.parse(jsonSchemaFiles().get('tenant.schema.json')!).properties.spec.properties;
    const [asText] = tenant.quota.properties.cpu.anyOf;
    const pattern = new RegExp(asText.pattern);
    expect(['1e3', '1E3', '500m', '16Gi', '.5'].filter((text) => pattern.test(text))).toEqual(['1e3', '1E3', '500m', '16Gi', '.5']);
    expect(['-2', '4 cores', '1e'].filter((text) => pattern.test(text))).toEqual([]);
  });
});
