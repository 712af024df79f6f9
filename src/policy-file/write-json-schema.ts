/**
 * Regenerates docs/bollard.schema.json from the zod schema:
 *   node --import tsx src/policy-file/write-json-schema.ts
 * A test fails when the committed file and the generator disagree.
 */
import { writeFileSync } from 'node:fs';
import { JSON_SCHEMA_PATH, policyJsonSchemaText } from './json-schema.js';

writeFileSync(JSON_SCHEMA_PATH, policyJsonSchemaText());
console.log(`wrote ${JSON_SCHEMA_PATH}`);
