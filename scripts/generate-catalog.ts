// Regenerates src/catalog/data/endpoints.ts from the shared WorkOS sources:
//   npx tsx scripts/generate-catalog.ts [sharedDir]   (default: ../shared beside the repository)
// The runtime never reads these sources; the generated file is committed and reviewed.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { assembleCatalog } from '../src/catalog/build/assemble.js';
import { parseOpenApiOperations } from '../src/catalog/build/parse-openapi.js';
import { parseSdkCalls } from '../src/catalog/build/parse-reference.js';
import { parseSeedRows } from '../src/catalog/build/parse-seed.js';
import { renderEndpointsModule } from '../src/catalog/build/render.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(process.argv[2] ?? path.join(repoRoot, '../shared'));
const read = (file: string) => readFileSync(path.join(shared, file), 'utf8');

const records = assembleCatalog({
  spec: parseOpenApiOperations(parse(read('workos/openapi.yaml'))),
  sdk: parseSdkCalls(read('workos/REFERENCE.md')),
  seed: parseSeedRows(read('seed/000_9152007844d74ec6.txt')),
});
const out = path.join(repoRoot, 'src/catalog/data/endpoints.ts');
writeFileSync(out, renderEndpointsModule(records));
execFileSync('npx', ['biome', 'format', '--write', out], { cwd: repoRoot, stdio: 'inherit' });
console.log(`wrote ${records.length} endpoints to ${path.relative(repoRoot, out)}`);
