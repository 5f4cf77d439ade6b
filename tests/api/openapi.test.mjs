// The OpenAPI document served at /api/v1/openapi.json lists exactly the
// router's routes (method and path), so it cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TANJI, SRC } from './lib.mjs';

test('OpenAPI paths == router routes', () => {
  const routes = execFileSync(TANJI, ['serve', '--print-routes'], { encoding: 'utf8' }).trim().split('\n').sort();
  const doc = JSON.parse(readFileSync(join(SRC, 'src/http/openapi.json'), 'utf8'));
  assert.equal(doc.openapi, '3.1.0');
  const documented = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'delete', 'patch'].includes(m)) documented.push(`${m.toUpperCase()} ${path}`);
  documented.sort();
  assert.deepEqual(documented, routes);
  for (const [path, ops] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const op of Object.values(ops)) {
      const declared = (op.parameters || []).filter((p) => p.in === 'path').map((p) => p.name);
      assert.deepEqual(declared, names, `${path}: path parameters declared`);
      for (const r of Object.values(op.responses)) if (r.$ref) assert.equal(r.$ref, '#/components/responses/Error');
    }
  }
});
