#!/usr/bin/env node
// Real-browser check of Steward's GraphiQL page: headless Chromium opens /graphiql on a running
// server, runs an authenticated query through the IDE and browses the documentation explorer.
//
//   node scripts/graphiql-check.mjs http://127.0.0.1:8080
//
// Needs playwright-core in the tools folder (STEWARD_TOOLS_DIR, default ~/.cache/steward-tools;
// scripts/browser-checks.sh installs it) and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
// Prints one `ok:` line per passed check and exits 1 with a `FAIL:` line at the first failure.
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TOOLS_DIR = process.env.STEWARD_TOOLS_DIR || join(homedir(), '.cache', 'steward-tools');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.GRAPHIQL_CHECK_TIMEOUT_MS || 20000);
const SCREENSHOT = process.env.GRAPHIQL_CHECK_SCREENSHOT; // optional PNG path, taken at the end or on failure

const base = (process.argv[2] || process.env.STEWARD_BASE_URL || '').replace(/\/+$/, '');
if (!base) {
  console.error('usage: node scripts/graphiql-check.mjs <base URL, e.g. http://127.0.0.1:8080>');
  process.exit(2);
}
const baseUrl = new URL(base);

class CheckError extends Error {}
const fail = (message) => {
  throw new CheckError(message);
};
const ok = (message) => {
  console.log(`ok: ${message}`);
};

// playwright-core lives in the tools folder, not in the repository, so resolve it from there.
let chromium;
try {
  ({ chromium } = createRequire(join(TOOLS_DIR, 'package.json'))('playwright-core'));
} catch (error) {
  console.error(`FAIL: playwright-core is not installed in ${TOOLS_DIR} (run scripts/browser-checks.sh): ${error.message}`);
  process.exit(1);
}

/** Signs up a fresh user with its own agency over plain HTTP and returns the access token. */
async function signUp() {
  const unique = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      query:
        'mutation($input: SignUpInput!) { signUp(input: $input) { accessToken userErrors { message } } }',
      variables: {
        input: {
          email: `graphiql-check-${unique}@example.com`,
          password: 'graphiql check passphrase',
          displayName: 'GraphiQL Check',
          agencyName: `GraphiQL Check ${unique}`,
        },
      },
    }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`signUp answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  const payload = body?.data?.signUp;
  if (!response.ok || body.errors || !payload) {
    fail(`signUp answered ${response.status}: ${text.slice(0, 500)}`);
  }
  if (payload.userErrors?.length) {
    fail(`signUp refused the user: ${payload.userErrors.map((e) => e.message).join('; ')}`);
  }
  if (!payload.accessToken) fail(`signUp returned no accessToken: ${text.slice(0, 500)}`);
  return payload.accessToken;
}

/** Sets the text of the CodeMirror editor under `selector` (CodeMirror 5 keeps its API on the element). */
async function setEditor(page, selector, value, what) {
  const element = page.locator(selector).first();
  await element.waitFor({ state: 'visible', timeout: TIMEOUT_MS }).catch(() => fail(`${what} is not on the page (${selector})`));
  await element.evaluate((node, text) => node.CodeMirror.setValue(text), value);
}

async function run() {
  const token = await signUp();
  ok('signed up a user through POST /graphql');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace sandbox; the page is our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const foreign = [];
  const problems = [];
  let page;
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Every request of every page and worker; data: URLs never reach the network.
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (['data:', 'blob:', 'about:'].includes(url.protocol)) return;
      if (url.host !== baseUrl.host || url.protocol !== baseUrl.protocol) foreign.push(request.url());
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`uncaught error: ${error.message}`));
    page.on('console', (message) => {
      // Chromium reports Content-Security-Policy violations as console errors.
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`CSP violation: ${message.text()}`);
      }
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
    });

    const response = await page.goto(`${base}/graphiql`, { waitUntil: 'load', timeout: TIMEOUT_MS });
    if (!response || response.status() !== 200) fail(`GET /graphiql answered ${response?.status()}`);
    const csp = response.headers()['content-security-policy'] || '';
    if (!/script-src 'self'(;|$)/.test(csp)) fail(`GET /graphiql has no strict script-src in its Content-Security-Policy: "${csp}"`);
    ok('GET /graphiql answered 200 with a Content-Security-Policy');

    await page
      .locator('.graphiql-container .graphiql-query-editor .CodeMirror')
      .waitFor({ state: 'visible', timeout: TIMEOUT_MS })
      .catch(() => fail('the GraphiQL query editor did not appear (blank page?)'));
    ok('GraphiQL loaded: the query editor is on the page');

    // The Headers tab shows the headers editor; its CodeMirror is the visible one in the tools area.
    await page.locator('.graphiql-editors button', { hasText: /^Headers$/ }).click({ timeout: TIMEOUT_MS })
      .catch(() => fail('the headers editor is not enabled (no Headers tab)'));
    await setEditor(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      JSON.stringify({ Authorization: `Bearer ${token}` }),
      'the headers editor',
    );
    await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ viewer { role } }', 'the query editor');
    ok('put the Bearer token in the headers editor and `{ viewer { role } }` in the query editor');

    await page.locator('button.graphiql-execute-button').click({ timeout: TIMEOUT_MS });
    const result = await page
      .waitForFunction(
        () => {
          const text = document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() || '';
          return text.includes('"OWNER"') ? text : false;
        },
        null,
        { timeout: TIMEOUT_MS },
      )
      .then((handle) => handle.jsonValue())
      .catch(async () => {
        const shown = await page.evaluate(() => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '(no result pane)');
        fail(`the result pane does not show "OWNER" after running the query; it shows: ${shown.slice(0, 500)}`);
      });
    if (!JSON.parse(result)?.data?.viewer) fail(`unexpected result: ${result}`);
    ok('ran the query with the run button: the result pane shows "OWNER"');

    await page.locator('button[aria-label="Show Documentation Explorer"]').click({ timeout: TIMEOUT_MS });
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.waitFor({ state: 'visible', timeout: TIMEOUT_MS }).catch(() => fail('the documentation explorer did not open'));
    await explorer
      .locator('.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
      .first()
      .waitFor({ state: 'visible', timeout: TIMEOUT_MS })
      .catch(async () => {
        const shown = (await explorer.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
        fail(`the documentation explorer does not list Query; it shows: ${shown}`);
      });
    ok('the documentation explorer lists Query');

    // A dialog injects a <style> element: this catches a Content-Security-Policy too strict for it.
    await page.locator('button[aria-label="Open settings dialog"]').click({ timeout: TIMEOUT_MS });
    await page
      .locator('.graphiql-dialog')
      .first()
      .waitFor({ state: 'visible', timeout: TIMEOUT_MS })
      .catch(() => fail('the settings dialog did not open'));
    await page.keyboard.press('Escape');
    ok('the settings dialog opens');

    if (foreign.length) fail(`the page requested other hosts than ${baseUrl.host}: ${[...new Set(foreign)].join(', ')}`);
    ok(`every request went to ${baseUrl.host}`);

    if (problems.length) fail(`the page reported problems:\n  ${problems.join('\n  ')}`);
    ok('no script errors, CSP violations or failed requests');
  } finally {
    if (SCREENSHOT && page) await page.screenshot({ path: SCREENSHOT }).catch(() => {});
    await browser.close();
  }
}

try {
  await run();
} catch (error) {
  console.error(`FAIL: ${error instanceof CheckError ? error.message : error.stack || error}`);
  process.exit(1);
}
