/**
 * deploy/nginx.conf run by Debian's nginx in front of two real coordinator processes (the built
 * dist/main.js) on one real Redis, the way compose.replicas.yaml wires them: the replicas listen
 * on two loopback addresses, one name resolves to both (a DNS server of the test stands in for
 * Docker's), and every call goes through the proxy with the Host a laptop would send.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { COORDINATOR_MAIN } from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envFromExample, resolveCompose } from './helpers/compose.js';
import { callTool, mcpHeaders, send, type Target, toolResult } from './helpers/mcp-http.js';
import { replayedNginxConf, startDnsServer, startNginx } from './helpers/nginx.js';
import { freePort, type Started, start, stop } from './helpers/processes.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

/** The two replicas: the same port on two loopback addresses, as two containers would have. */
const ADDRESSES = ['127.0.0.2', '127.0.0.3'];
const HOST = 'c3po.example.test';

let redis: TestRedis;
let dns: Awaited<ReturnType<typeof startDnsServer>>;
let nginx: Started;
let coordinatorPort: number;
const replicas = new Map<string, Started>();
const dirs: string[] = [];
let proxy: Target;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) {
    if (await check().catch(() => false)) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startReplica(address: string, prefix: string) {
  const replica = start(process.execPath, [COORDINATOR_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redis.url,
      C3PO_HOST: address,
      C3PO_PORT: String(coordinatorPort),
      C3PO_KEY_PREFIX: prefix,
      C3PO_ALLOWED_HOSTS: HOST,
      C3PO_PROGRESS_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
    },
  });
  replicas.set(address, replica);
  const direct = { port: coordinatorPort, host: address, address };
  await waitUntil(`the replica on ${address}`, async () => {
    if (replica.child.exitCode !== null) throw new Error(replica.output());
    return (await send(direct, 'GET', '/api/health', {}).status) === 200;
  });
}

/** How many `tool` calls a replica answered, from its own /metrics. */
async function callsOn(address: string, tool: string): Promise<number> {
  const metrics = send({ port: coordinatorPort, host: address, address }, 'GET', '/metrics', {});
  await metrics.ended;
  const line = metrics
    .text()
    .split('\n')
    .find((l) => l.startsWith(`c3po_tool_calls_total{tool="${tool}",outcome="ok"}`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

beforeAll(async () => {
  redis = await startRedis();
  coordinatorPort = await freePort();
  const prefix = `replicas-${randomUUID().slice(0, 8)}`;
  await Promise.all(ADDRESSES.map((a) => startReplica(a, prefix)));

  dns = await startDnsServer('coordinator', ADDRESSES);
  const listenPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'c3po-nginx-'));
  dirs.push(dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, replayedNginxConf({ listenPort, dnsPort: dns.port, coordinatorPort }));
  // nginx with the arguments compose.replicas.yaml gives it: its prefix and configuration here.
  const resolved = await resolveCompose(envFromExample({}), {}, 'compose.replicas.yaml');
  const args = (resolved.config?.services.proxy?.entrypoint ?? [])
    .slice(1)
    .map((a) => (a === '/tmp/' ? `${dir}/` : a === '/etc/nginx/c3po.conf' ? conf : a));
  expect(args).toContain('daemon off;');
  nginx = startNginx(args, join(dir, 'stdout'));
  proxy = { port: listenPort, host: HOST };
  await waitUntil('nginx', async () => {
    if (nginx.child.exitCode !== null) throw new Error(nginx.output());
    return (await send(proxy, 'GET', '/api/health', {}).status) === 200;
  });
}, 60_000);

afterAll(async () => {
  if (nginx) await stop(nginx, 5_000);
  for (const replica of replicas.values()) await stop(replica, 5_000);
  await dns?.close();
  await redis?.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('nginx.conf in front of two coordinator replicas', () => {
  it("passes the client's Host header, which the replicas check", async () => {
    expect(await toolResult(callTool(proxy, 'agent-a', 'list_agents'))).toHaveProperty('agents');
    const other = callTool({ ...proxy, host: 'other.example.test' }, 'agent-a', 'list_agents');
    expect(await other.status).toBe(403);
    await other.ended;
    // The replica saw the client's name, not the proxy's upstream name.
    expect(other.text()).toContain('other.example.test');
  });

  it('spreads calls over both replicas', async () => {
    const before = await Promise.all(ADDRESSES.map((a) => callsOn(a, 'list_agents')));
    for (let i = 0; i < 20; i++) await toolResult(callTool(proxy, 'agent-a', 'list_agents'));
    const after = await Promise.all(ADDRESSES.map((a) => callsOn(a, 'list_agents')));
    const served = after.map((n, i) => n - (before[i] ?? 0));
    expect(served.reduce((a, b) => a + b, 0)).toBe(20);
    expect(served.every((n) => n > 0)).toBe(true);
  });

  it('streams a wait unbuffered: progress arrives while it waits, and a send through either replica ends it', async () => {
    await toolResult(callTool(proxy, 'agent-b', 'list_agents'));
    const wait = callTool(
      proxy,
      'agent-b',
      'wait_for_request',
      { timeout_seconds: 30 },
      { progress: true },
    );
    const progressed = () => wait.messages().some((m) => m.method === 'notifications/progress');
    // Nothing is sent yet: this progress event can only have come through unbuffered.
    await waitUntil('a progress event through the proxy', async () => progressed());
    expect((await wait.headers)['content-type']).toContain('text/event-stream');
    expect(wait.messages().some((m) => m.result !== undefined)).toBe(false);

    await toolResult(callTool(proxy, 'agent-a', 'send_request', { to: 'agent-b', message: 'hi' }));
    const got = await toolResult(wait);
    expect(got.status).toBe('received');
    expect(JSON.stringify(got.requests)).toContain('hi');
  });

  it('carries on when a replica dies: calls go to the other one, and a cut wait resumes there', async () => {
    await toolResult(callTool(proxy, 'agent-d', 'list_agents'));
    const wait = callTool(
      proxy,
      'agent-d',
      'wait_for_request',
      { timeout_seconds: 30 },
      { progress: true },
    );
    await waitUntil('the wait to become resumable', async () => wait.eventIds().length > 0);
    // The replica holding the wait: the one whose /api/health counts a waiter.
    const waiters = await Promise.all(
      ADDRESSES.map(async (address) => {
        const health = send(
          { port: coordinatorPort, host: address, address },
          'GET',
          '/api/health',
          {},
        );
        await health.ended;
        return (JSON.parse(health.text()) as { waiters: number }).waiters;
      }),
    );
    const holder = ADDRESSES[waiters.indexOf(1)] as string;
    expect(waiters.filter((n) => n === 1)).toHaveLength(1);
    replicas.get(holder)?.child.kill('SIGKILL');
    await replicas.get(holder)?.exited;
    await wait.ended;

    // The client reconnects with the stream's last event id, as the MCP SDK does; the proxy
    // takes it to the surviving replica, which runs the same wait until the same deadline.
    const lastEventId = wait.eventIds().at(-1) as string;
    const resumed = send(proxy, 'GET', '/mcp', {
      ...mcpHeaders('agent-d'),
      Accept: 'text/event-stream',
      'Last-Event-ID': lastEventId,
    });
    expect(await resumed.status).toBe(200);

    // Every call reaches the survivor, whichever address the proxy tries first.
    for (let i = 0; i < 10; i++) await toolResult(callTool(proxy, 'agent-c', 'list_agents'));
    await toolResult(
      callTool(proxy, 'agent-c', 'send_request', { to: 'agent-d', message: 'after the crash' }),
    );
    const got = await toolResult(resumed);
    expect(got.status).toBe('received');
    expect(JSON.stringify(got.requests)).toContain('after the crash');
  });
});
