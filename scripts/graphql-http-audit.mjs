#!/usr/bin/env node
// Runs the GraphQL-over-HTTP conformance audits of npm `graphql-http` against a running Steward.
//
//   node scripts/graphql-http-audit.mjs http://127.0.0.1:8080
//
// Needs graphql-http (and its peer graphql) in the tools folder (STEWARD_TOOLS_DIR, default
// ~/.cache/steward-tools; scripts/browser-checks.sh installs them). Prints one line per audit:
// `ok:`, `notice:` (informational), `warn:` (a SHOULD not met) or `error:` (a MUST not met), with
// the audit's id, name and reason, and exits 1 when any audit warns or errors.
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TOOLS_DIR = process.env.STEWARD_TOOLS_DIR || join(homedir(), '.cache', 'steward-tools');

const base = (process.argv[2] || process.env.STEWARD_BASE_URL || '').replace(/\/+$/, '');
if (!base) {
  console.error('usage: node scripts/graphql-http-audit.mjs <base URL, e.g. http://127.0.0.1:8080>');
  process.exit(2);
}
const url = `${base}/graphql`;

// graphql-http lives in the tools folder, not in the repository, so resolve it from there.
let serverAudits;
try {
  ({ serverAudits } = createRequire(join(TOOLS_DIR, 'package.json'))('graphql-http'));
} catch (error) {
  console.error(`FAIL: graphql-http is not installed in ${TOOLS_DIR} (run scripts/browser-checks.sh): ${error.message}`);
  process.exit(1);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
// One at a time, in the library's order, so the output reads the same on every run.
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await audit.fn();
  } catch (error) {
    // The library throws only on fatal errors, such as a server that cannot be reached.
    result = { id: audit.id, name: audit.name, status: 'error', reason: `audit threw: ${error.message}` };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === 'ok') {
    console.log(`ok: ${result.id} ${result.name}`);
    continue;
  }
  const line = `${result.status}: ${result.id} ${result.name} -- ${result.reason}`;
  const response = result.response
    ? `\n    (answered ${result.response.status}, content-type: ${result.response.headers.get('content-type') ?? 'none'})`
    : '';
  (result.status === 'notice' ? console.log : console.error)(line + response);
}

console.log(
  `graphql-http audit of ${url}: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`,
);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
