import { z } from 'zod';
import { areaNames } from '../catalog/index.js';
import { buildPolicySchema } from './schema.js';

/** Where the published schema lives, relative to the repository root. */
export const JSON_SCHEMA_PATH = 'docs/bollard.schema.json';

/** The JSON Schema of `bollard.yaml`, generated from the same zod schema `validate` uses. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(buildPolicySchema({ areaNames }), { io: 'input' }) as Record<string, unknown>;
}

/** The file's exact text: two-space JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
