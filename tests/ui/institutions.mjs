// The institutions' set-up the UI test does through the API before the
// browser walks application -> steps -> issued label: the regulator's
// catalogue entry, the certification body with its scope and key (the key
// file made with `tanji cert key new`, as a body keeps it), and a model that
// passes its accounting rule (tests/data/certifiable-aluminium.json).
// See docs/server.md (institutions) and docs/certification.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { req, SRC, TANJI } from '../api/lib.mjs';

export const RULE = 'tpl.cn.electrolytic_aluminium';

export async function setup(srv, P, dir) {
  const reg = P.users.reg.token;
  const cat = JSON.parse(readFileSync(join(SRC, 'data/certification/catalogue-cn-2025.json'), 'utf8')).entries
    .find((e) => e.category === 'electrolytic_aluminium');
  let r = await req(srv, 'PUT', `/cert/catalogue/${cat.category}`, { token: reg, json: cat });
  assert.equal(r.status, 200, r.text);
  r = await req(srv, 'POST', '/cert/bodies', { token: reg, json: { org: P.orgs.V.name, accreditation: 'CNAS test', scope: [cat.category] } });
  assert.equal(r.status, 201, r.text);
  const keyfile = join(dir, 'body.key');
  const pub = execFileSync(TANJI, ['cert', 'key', 'new', keyfile], { encoding: 'utf8' }).trim();
  r = await req(srv, 'POST', `/cert/bodies/${P.orgs.V.name}/keys`, { token: reg, json: { public_key: pub } });
  assert.equal(r.status, 201, r.text);
  const model = JSON.parse(readFileSync(join(SRC, 'tests/data/certifiable-aluminium.json'), 'utf8'));
  r = await req(srv, 'POST', '/models', { token: P.users.alice.token, json: { name: 'alice-certifiable-aluminium', model } });
  assert.equal(r.status, 201, r.text);
  return { keyfile, modelId: r.body.id, category: cat.category };
}
