/**
 * scripts/test-local.sh for real: it starts redis-server and the built coordinator on free ports,
 * reports them, launches a fake `claude` as each agent, and stops everything. The PATH holds only
 * the tools the script may use, so a real Claude Code on this machine is never started.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, freePort, run } from './helpers/processes.js';
import { FAKES, REPO, TEST_LOCAL_SH } from './helpers/repo.js';

const TOOLS = [
  'bash',
  'sh',
  'dirname',
  'cat',
  'mkdir',
  'rm',
  'sleep',
  'seq',
  'tail',
  'tr',
  'grep',
  'nohup',
  'node',
  'redis-server',
  'redis-cli',
];

let root: string;
let env: Record<string, string>;
const servers: Server[] = [];

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  throw new Error(`${tool} is needed by the test-local.sh tests but is not on PATH`);
}

function bin(name: string, withClaude: boolean) {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const tool of TOOLS) symlinkSync(which(tool), join(dir, tool));
  if (withClaude) symlinkSync(join(FAKES, 'claude'), join(dir, 'claude'));
  return dir;
}

const testLocal = (args: string[], extra: Record<string, string> = {}) =>
  run(TEST_LOCAL_SH, args, { env: { ...env, ...extra }, cwd: root, timeoutMs: 45_000 });

const pid = (name: string) => Number(readFileSync(join(root, 'state', `${name}.pid`), 'utf8'));

function launched() {
  const lines = readFileSync(join(root, 'claude.log'), 'utf8').trim().split('\n');
  return {
    args: lines.filter((l) => l.startsWith('arg=')).map((l) => l.slice(4)),
    env: Object.fromEntries(
      lines.filter((l) => !l.startsWith('arg=')).map((l) => l.split(/=(.*)/s).slice(0, 2)),
    ),
  };
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'c3po-test-local-'));
  env = {
    PATH: bin('bin', true),
    HOME: root,
    C3PO_LOCAL_DIR: join(root, 'state'),
    C3PO_PORT: String(await freePort()),
    C3PO_REDIS_PORT: String(await freePort()),
    // The test task has built the coordinator already (turbo: test depends on build).
    C3PO_SKIP_BUILD: '1',
    LOG_LEVEL: 'warn',
    FAKE_CLAUDE_LOG: join(root, 'claude.log'),
  };
});

afterEach(async () => {
  await testLocal(['stop']);
  // Should stop have failed, no process may outlive the test.
  for (const name of ['coordinator', 'redis']) {
    const file = join(root, 'state', `${name}.pid`);
    if (existsSync(file) && alive(pid(name))) process.kill(pid(name), 'SIGKILL');
  }
  for (const server of servers.splice(0)) server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('test-local.sh', () => {
  it('starts Redis and the coordinator, launches both agents, reports status, and stops them', async () => {
    const start = await testLocal(['start']);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    const url = `http://127.0.0.1:${env.C3PO_PORT}`;
    expect(start.stdout).toContain(
      `ready: coordinator ${url}, redis 127.0.0.1:${env.C3PO_REDIS_PORT}`,
    );
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    const coordinatorPid = pid('coordinator');
    const redisPid = pid('redis');
    expect(alive(coordinatorPid) && alive(redisPid)).toBe(true);
    // Redis runs with the server's durability settings: its AOF is in the state folder.
    expect(existsSync(join(root, 'state/appendonlydir'))).toBe(true);

    const again = await testLocal(['start']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already running: coordinator ${url} (pid ${coordinatorPid})`);

    // Later commands find the ports that start recorded, whatever the environment says then.
    const status = await testLocal(['status'], { C3PO_PORT: '1' });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `coordinator: running at ${url} (pid ${coordinatorPid}): {"status":"ok"`,
    );
    expect(status.stdout).toContain(
      `redis: running at 127.0.0.1:${env.C3PO_REDIS_PORT} (pid ${redisPid})`,
    );

    for (const agent of ['agent-a', 'agent-b']) {
      const session = await testLocal([agent, '--model', 'sonnet']);
      expect(session.code).toBe(0);
      expect(launched()).toEqual({
        args: ['--plugin-dir', join(REPO, 'apps/plugin'), '--model', 'sonnet'],
        env: { cwd: root, C3PO_AGENT_ID: agent, C3PO_COORDINATOR_URL: url },
      });
    }
    const named = await testLocal(['agent', 'laptop-api']);
    expect(named.code).toBe(0);
    expect(launched().env.C3PO_AGENT_ID).toBe('laptop-api');

    const stop = await testLocal(['stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped coordinator (pid ${coordinatorPid})`);
    expect(stop.stdout).toContain(`stopped redis (pid ${redisPid})`);
    expect(alive(coordinatorPid) || alive(redisPid)).toBe(false);
    // SIGTERM let the coordinator stop gracefully, not be killed.
    expect(stop.stderr).toBe('');

    const stopped = await testLocal(['status']);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toContain('coordinator: stopped');
    expect(stopped.stdout).toContain('redis: stopped');
  });

  it('refuses to launch an agent while no coordinator runs, or without Claude Code', async () => {
    const early = await testLocal(['agent-a']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      `no coordinator answers at http://127.0.0.1:${env.C3PO_PORT}. Run scripts/test-local.sh start first.`,
    );
    expect(existsSync(join(root, 'claude.log'))).toBe(false);

    const noClaude = await testLocal(['agent-b'], { PATH: bin('bin-without-claude', false) });
    expect(noClaude.code).toBe(1);
    expect(noClaude.stderr).toContain('claude was not found on PATH. Install Claude Code');
  });

  it('says which setting to change when a port is taken', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) =>
      server.listen(Number(env.C3PO_PORT), '127.0.0.1', resolve),
    );
    const result = await testLocal(['start']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `port ${env.C3PO_PORT} is in use. Stop what uses it, or set C3PO_PORT to a free port.`,
    );
  });

  it('prints its usage with --help, and refuses unknown commands', async () => {
    const help = await testLocal(['--help']);
    expect(help.code).toBe(0);
    for (const word of [
      'start',
      'status',
      'stop',
      'agent-a',
      'agent-b',
      'C3PO_PORT',
      'C3PO_REDIS_PORT',
    ]) {
      expect(help.stdout).toContain(word);
    }
    const unknown = await testLocal(['begin']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'begin'");
  });
});
