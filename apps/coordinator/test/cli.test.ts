/** The `c3po token` command as an operator runs it: a real process against a real coordinator. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { connectAgent } from './helpers/mcp-client.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../dist/cli/main.js');
const ADMIN = 'cli-admin-secret-0123456789abcdef';
let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ C3PO_AUTH_MODE: 'token', C3PO_ADMIN_TOKEN: ADMIN });
});
afterAll(() => coordinator.stop());

const c3po = (args: string[], env: Record<string, string> = {}) =>
  runCli(CLI, args, { C3PO_COORDINATOR_URL: coordinator.url, C3PO_ADMIN_TOKEN: ADMIN, ...env });

describe('c3po token', () => {
  it('creates a token that works for its agents, lists it, and revokes it', async () => {
    const created = await c3po([
      'token',
      'create',
      '--agents',
      'laptop-*',
      '--name',
      'dana laptop',
    ]);
    expect(created.code).toBe(0);
    const token = /export C3PO_TOKEN=(\S+)/.exec(created.stdout)?.[1];
    const id = /Created token (\w+)/.exec(created.stdout)?.[1];
    expect(token).toMatch(/^c3po_/);

    const agent = await connectAgent(coordinator.url, 'laptop-dana', {
      Authorization: `Bearer ${token}`,
    });
    expect((await agent.call<{ total: number }>('list_agents')).total).toBeGreaterThan(0);

    const list = await c3po(['token', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+laptop-\\*\\s+dana laptop`));
    expect(list.stdout).not.toContain(token);

    expect((await c3po(['token', 'revoke', id ?? ''])).stdout).toContain(`Revoked token ${id}`);
    await expect(agent.call('list_agents')).rejects.toThrow();
    await agent.close().catch(() => {});
  });

  it('says what is wrong: no admin token, a wrong one, a bad pattern, an unknown id', async () => {
    expect((await c3po(['token', 'list'], { C3PO_ADMIN_TOKEN: '' })).stderr).toMatch(
      /C3PO_ADMIN_TOKEN is not set/,
    );
    const wrong = await c3po(['token', 'list'], { C3PO_ADMIN_TOKEN: 'not-the-admin-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/needs the admin token/);
    expect((await c3po(['token', 'create', '--agents', 'a/b'])).stderr).toMatch(/letters, digits/);
    expect((await c3po(['token', 'revoke', 'nope'])).stderr).toMatch(/No token with id nope/);
    expect((await c3po(['token', 'create'])).stderr).toMatch(/needs --agents/);
    expect((await c3po(['token', '--help'])).stdout).toMatch(/token create/);
  });

  it('reads the admin token from C3PO_ADMIN_TOKEN_FILE (the Docker secret)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c3po-cli-'));
    writeFileSync(join(dir, 'admin_token'), `${ADMIN}\n`, { mode: 0o600 });
    const listed = await c3po(['token', 'list'], {
      C3PO_ADMIN_TOKEN: '',
      C3PO_ADMIN_TOKEN_FILE: join(dir, 'admin_token'),
    });
    expect(listed.code).toBe(0);
    const missing = await c3po(['token', 'list'], {
      C3PO_ADMIN_TOKEN: '',
      C3PO_ADMIN_TOKEN_FILE: join(dir, 'nope'),
    });
    expect(missing.stderr).toMatch(/C3PO_ADMIN_TOKEN_FILE.*cannot read/s);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so when the coordinator cannot be reached', async () => {
    const down = await c3po(['token', 'list', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the coordinator at http:\/\/127\.0\.0\.1:9/);
  });
});
