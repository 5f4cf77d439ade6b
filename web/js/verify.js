// Checks done in the browser, with no trust in the server's word:
// canonical JSON (RFC 8785), Ed25519 signatures (@noble/ed25519) and
// RFC 6962 / RFC 9162 Merkle inclusion proofs with SHA-256 (@noble/hashes),
// as docs/ledger.md and docs/certification.md describe them.
import * as ed from '/vendor/ed25519.js';
import { sha256, sha512 } from '/vendor/noble-hashes/sha2.js';

// noble-ed25519 hashes with SHA-512 from here (no WebCrypto: works on plain http too)
ed.hashes.sha512 = sha512;

const enc = new TextEncoder();

export function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new Error('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
export const bytesToHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// RFC 8785: object members sorted by their names' UTF-16 code units, numbers
// as ECMAScript writes them, strings as JSON.stringify escapes them.
export function canonical(v) {
  if (v === null || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') { if (!Number.isFinite(v)) throw new Error('not a finite number'); return JSON.stringify(v); }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const keys = Object.keys(v).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
}

export const sha256hex = (bytes) => bytesToHex(sha256(typeof bytes === 'string' ? enc.encode(bytes) : bytes));

export function ed25519Verify(sigHex, message, pubHex) {
  try {
    return ed.verify(hexToBytes(sigHex), typeof message === 'string' ? enc.encode(message) : message, hexToBytes(pubHex));
  } catch { return false; }
}

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// leaf hash = SHA-256(0x00 || entry bytes)
export const leafHash = (entry) => sha256(concat(new Uint8Array([0]), enc.encode(entry)));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

// RFC 9162 2.1.3.2: does proof (hex list) take leaf `index` of a tree of
// `size` leaves to `rootHex`?
export function verifyInclusion(index, size, leaf, proofHex, rootHex) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proofHex) {
    const pb = hexToBytes(p);
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(pb, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = nodeHash(r, pb);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(r) === rootHex.toLowerCase();
}

// A signed tree head: Ed25519 over the canonical JSON of
// {root_hash, signed_at, tree_size, type: "tanji-ledger-head/v1"}.
export function verifyHead(head, trustedKeyHex) {
  const key = trustedKeyHex || head.public_key;
  const msg = canonical({ root_hash: head.root_hash, signed_at: head.signed_at, tree_size: head.tree_size, type: 'tanji-ledger-head/v1' });
  return ed25519Verify(head.signature, msg, key);
}

// An inclusion proof document (tanji-ledger-inclusion-proof/v1): the leaf
// hash of its entry, the path to the head's root, the head's signature.
export function checkInclusionProof(doc, trustedKeyHex) {
  const leaf = leafHash(doc.entry);
  const leafOk = !doc.leaf_hash || bytesToHex(leaf) === doc.leaf_hash.toLowerCase();
  const pathOk = verifyInclusion(doc.index, doc.head.tree_size, leaf, doc.proof || [], doc.head.root_hash);
  const headOk = verifyHead(doc.head, trustedKeyHex);
  return { leafOk, pathOk, headOk, ok: leafOk && pathOk && headOk };
}
