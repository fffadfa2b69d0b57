import * as path from 'path';
import { jsonSchemaFiles } from '../../lib/schema/json-schema';
import { compareTree } from '../../stacks/output-tree';
import { REPO_ROOT } from '../support/fixtures';

describe('JSON Schemas', () => {
  test('match the committed schema/ (run `npm run schema` after changing lib/schema)', () => {
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
});
