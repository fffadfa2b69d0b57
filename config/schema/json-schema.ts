/**
 * JSON Schemas of the tenant and platform files, generated from the same zod
 * schemas that validate them, for editors (yaml-language-server) to validate
 * and autocomplete.
 */
import { z } from 'zod';
import { PlatformFileSchema } from './platform';
import { TenantFileSchema } from './tenant';

/** The schema files by name, as written to `schema/`. */
export function jsonSchemaFiles(): Map<string, string> {
  const render = (schema: z.ZodType, id: string) =>
    `${JSON.stringify({ ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), $id: id }, null, 2)}\n`;
  return new Map([
    ['platform.schema.json', render(PlatformFileSchema, 'https://mlp.io/schema/v1alpha1/platform.schema.json')],
    ['tenant.schema.json', render(TenantFileSchema, 'https://mlp.io/schema/v1alpha1/tenant.schema.json')],
  ]);
}
