/**
 * The status page in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against a real coordinator whose agents talk over MCP: it shows them, updates by itself, keeps
 * an agent's markup as text, and asks for a token in token mode. `UPDATE_SCREENSHOT=1` also writes
 * docs/images/status-page.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreatedTokenSchema, ROUTES } from '@c3po/protocol';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/http/routes/status-page.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../docs/images/status-page.png',
);
const ADMIN = 'page-admin-secret-0123456789abcdef';

type Sent = { request_id: string; conversation_id: string };
/** What the browser-side functions use (the tests are type-checked without the DOM library). */
type BrowserGlobals = {
  document: { querySelector(selector: string): { textContent: string | null } | null };
};

let coordinator: TestCoordinator;
let locked: TestCoordinator;
let browser: BrowserContext;
let profile: string;
let dana: Agent;
let api: Agent;
let ci: Agent;
let first: Sent;
let page: Page;
/** Content-Security-Policy violations and script errors the pages reported. */
const problems: string[] = [];

async function connected(c: TestCoordinator) {
  for (let i = 0; i < 100 && !(await c.services.health()).ok; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

async function newPage(): Promise<Page> {
  const p = await browser.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  p.on('pageerror', (err) => problems.push(err.message));
  return p;
}

beforeAll(async () => {
  coordinator = await startTestCoordinator({ C3PO_EXPIRY_SWEEP_MS: '100' });
  locked = await startTestCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: ADMIN });
  await Promise.all([connected(coordinator), connected(locked)]);
  dana = await connectAgent(coordinator.url, 'laptop-dana', {
    'X-Agent-Description': "Dana's laptop: the web app",
  });
  api = await connectAgent(coordinator.url, 'server-api', {
    'X-Agent-Description': 'Home server: the invoices API',
  });
  ci = await connectAgent(coordinator.url, 'ci-runner', {
    'X-Agent-Description': 'Build and test runner',
  });
  await Promise.all([api.call('list_agents'), ci.call('list_agents')]);
  first = await dana.call<Sent>('send_request', {
    to: 'server-api',
    message: 'Which endpoint lists the invoices of a customer?',
  });
  await api.call('wait_for_request', { timeout_seconds: 5 });
  await api.call('respond_to_request', {
    request_id: first.request_id,
    response: 'GET /v2/customers/{id}/invoices, newest first.',
  });
  const build = await ci.call<Sent>('send_request', {
    to: 'laptop-dana',
    message: 'The build of main is red since your last push: 3 tests fail in billing.',
  });
  await dana.call('get_pending_requests');
  await dana.call('respond_to_request', {
    request_id: build.request_id,
    response: 'Not now, I am in a meeting.',
    status: 'declined',
  });

  // One that expires unanswered (the sweep runs every 100 ms here).
  await dana.call('send_request', {
    to: 'ci-runner',
    message: 'Can you rerun the nightly job with the new fixtures?',
    expires_in_seconds: 1,
  });
  for (let i = 0; i < 100; i++) {
    if ((await coordinator.services.overview.requests()).dead_letters.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  profile = mkdtempSync(join(tmpdir(), 'c3po-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 960 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await Promise.all([dana, api, ci].map((a) => a?.close()));
  await Promise.all([coordinator?.stop(), locked?.stop()]);
});

const textOf = async (p: Page, selector: string) => (await p.locator(selector).textContent()) ?? '';

describe('status page (headless Chromium)', () => {
  it('is served with the strict Content-Security-Policy', async () => {
    const res = await page.goto(coordinator.url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
  });

  it('shows the agents and their conversation, which opens as its thread', async () => {
    await page.locator('#agents tbody tr', { hasText: 'server-api' }).waitFor();
    const agents = await textOf(page, '#agents tbody');
    expect(agents).toContain('laptop-dana');
    expect(agents).toContain("Dana's laptop: the web app");
    expect(agents).toContain('online');

    const item = page.locator('#conversations li', { hasText: 'GET /v2/customers' });
    expect(await item.textContent()).toContain('laptop-dana ⇄ server-api');
    await item.locator('a').click();
    await page.locator('#thread .msg').nth(1).waitFor();
    const thread = await textOf(page, '#thread');
    expect(thread).toContain('Which endpoint lists the invoices of a customer?');
    expect(thread).toContain('GET /v2/customers/{id}/invoices, newest first.');
    expect(thread).toMatch(/answered/);
    expect(await textOf(page, '#thread-title')).toContain('laptop-dana ⇄ server-api');
  });

  it('updates by itself within 2 s when a new request arrives, without a reload', async () => {
    await page.evaluate('window.stillHere = true');
    await page.locator('#live.on').waitFor();
    const followUp = await dana.call<Sent>('send_request', {
      to: 'server-api',
      message: 'Is that list paginated?',
      conversation_id: first.conversation_id,
    });
    // A function, not a string: the page's CSP forbids evaluating strings, as it should.
    await page.waitForFunction(
      (text) => {
        const { document } = globalThis as unknown as BrowserGlobals;
        return ['#thread', '#in-flight'].every((s) =>
          document.querySelector(s)?.textContent?.includes(text),
        );
      },
      'Is that list paginated?',
      { timeout: 2_000 },
    );
    expect(await page.evaluate('window.stillHere')).toBe(true);
    expect(followUp.request_id).toBeTruthy();
    if (process.env.UPDATE_SCREENSHOT === '1') {
      // ci-runner listening, for the picture.
      const listening = new AbortController();
      const wait = ci
        .call('wait_for_request', { timeout_seconds: 30 }, { signal: listening.signal })
        .catch(() => {});
      await page.locator('#agents tbody tr', { hasText: 'listening' }).waitFor();
      await page.mouse.move(0, 0);
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      listening.abort();
      await wait;
    }
  });

  it('renders <script> and <img onerror> in a message as text: nothing runs, no image is made', async () => {
    const markup = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> hi';
    const sent = await api.call<Sent>('send_request', { to: 'laptop-dana', message: markup });
    const item = page.locator('#conversations li', { hasText: 'window.pwned' });
    await item.waitFor();
    await item.locator('a').click();
    const text = page.locator('#thread .msg .text', { hasText: 'onerror' });
    await text.waitFor();
    expect(await text.textContent()).toBe(markup);
    expect(await text.isVisible()).toBe(true);
    expect(await page.evaluate('window.pwned')).toBe(undefined);
    expect(await page.evaluate("document.querySelectorAll('img, script:not([src])').length")).toBe(
      0,
    );
    expect(sent.conversation_id).toBeTruthy();
    expect(problems).toEqual([]);
  });

  it('in token mode asks for a token and says how to get one; the data routes answer 403', async () => {
    const tab = await newPage();
    await tab.goto(locked.url);
    await tab.locator('#gate').waitFor();
    expect(await tab.locator('#dashboard').isHidden()).toBe(true);
    expect(await textOf(tab, '#gate')).toContain('c3po token create --viewer');
    const status = await tab.evaluate("fetch('/api/operator/status').then((r) => r.status)");
    expect(status).toBe(403);

    await tab.fill('#token', 'not-a-real-token');
    await tab.click('#token-form button');
    await tab.locator('#gate-error', { hasText: 'not accepted' }).waitFor();

    const res = await fetch(`${locked.url}${ROUTES.adminTokens}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    const { token } = CreatedTokenSchema.parse(await res.json());
    await tab.fill('#token', token);
    await tab.click('#token-form button');
    await tab.locator('#dashboard').waitFor();
    // Kept for the browser session: a reload does not ask again.
    await tab.reload();
    await tab.locator('#cards .card').first().waitFor();
    expect(await tab.locator('#gate').isHidden()).toBe(true);
    await tab.close();
  });
});
