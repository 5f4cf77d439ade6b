// PACT list latency: sequential requests over one keep-alive TLS connection,
// per filter: p50, p95, p99 in ms.  usage: node measure.mjs BASE TOKEN CA N
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [base, token, caFile, nArg] = process.argv.slice(2);
const n = Number(nArg || 300);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(caFile) });
function get(path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    https.get(base + path, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let len = 0;
      res.on('data', (c) => (len += c.length));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode, len }));
    }).on('error', reject);
  });
}
const filters = {
  'productId (1 match)': (i) => `/3/footprints?productId=urn:pact:bench:product:${(i * 7919) % 100000}`,
  'geography, limit 50': (i) => `/3/footprints?geography=CN-${['YN', 'GD', 'SC', 'JS'][i % 4]}&limit=50`,
  'classification, limit 50': (i) => `/3/footprints?classification=urn:pact:productclassification:un-cpc:${41500 + (i % 50)}&limit=50`,
  'companyId x2 (OR) + status, limit 50': (i) => `/3/footprints?companyId=urn:pact:bench:company:${i % 100}&companyId=urn:pact:bench:company:${(i + 1) % 100}&status=Active&limit=50`,
  'status=Active, limit 50': () => '/3/footprints?status=Active&limit=50',
  'validOn, limit 50': (i) => `/3/footprints?validOn=${2021 + (i % 8)}-06-01T00:00:00Z&limit=50`,
  'no filter, limit 100': () => '/3/footprints?limit=100',
  'bogus productId (no match)': (i) => `/3/footprints?productId=urn:bogus:${i}`,
};
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
for (const [name, path] of Object.entries(filters)) {
  for (let i = 0; i < 20; i++) await get(path(i)); // warm-up
  const t = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await get(path(i));
    if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status}`);
    t.push(r.ms);
    bytes += r.len;
  }
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(40)} p50 ${pct(t, 50).toFixed(2)} ms  p95 ${pct(t, 95).toFixed(2)} ms  p99 ${pct(t, 99).toFixed(2)} ms  (${n} requests, ${Math.round(bytes / n)} bytes each)`);
}
agent.destroy();
