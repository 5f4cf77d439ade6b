// Every string key the UI's code names is in the dictionary, in both
// languages (the browser test also fails on any key t() did not find).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SRC } from '../api/lib.mjs';

test('every key in the code has zh-CN and English text', async () => {
  const js = resolve(SRC, 'web/js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const { dictionary } = await import(pathToFileURL(join(js, 'i18n.js')));
  for (const [k, v] of Object.entries(dictionary)) {
    assert.ok(Array.isArray(v) && v.length === 2 && v[0] && v[1], `${k}: both languages`);
  }
  const files = ['app.js', 'charts.js', ...readdirSync(join(js, 'pages')).map((f) => 'pages/' + f)];
  const used = new Set();
  for (const f of files) {
    const src = readFileSync(join(js, f), 'utf8');
    // t('key'), kv [['key', ...]], field/chart title keys: every quoted dotted lower-case name
    for (const m of src.matchAll(/'([a-z]+(?:\.[a-z0-9_]+)+)'/g)) used.add(m[1]);
  }
  const notKeys = new Set(['tanji.token', 'input.amount', 'tanji.lang']);
  const missing = [...used].filter((k) => !notKeys.has(k) && !dictionary[k]);
  assert.deepEqual(missing, [], 'keys without text');
  assert.ok(used.size > 200, 'the scan found the keys');
});
