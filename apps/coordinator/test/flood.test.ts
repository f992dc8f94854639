import { randomUUID } from 'node:crypto';
import { type CoordinatorProcess, startCoordinatorProcess } from '@c3po/test-support';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postMcp, request } from './helpers/http.js';
import { type Agent, connectAgent } from './helpers/mcp-client.js';

/** The coordinator runs in its own process, as it does for users; the flooder uses lean calls. */
let coordinator: CoordinatorProcess;
const agents: Agent[] = [];
const as = async (id: string) => {
  const a = await connectAgent(coordinator.url, id);
  agents.push(a);
  return a;
};

beforeAll(async () => {
  coordinator = await startCoordinatorProcess({
    REDIS_URL: inject('redisUrl'),
    C3PO_KEY_PREFIX: `t-${randomUUID().slice(0, 8)}`,
    C3PO_SEND_RATE_PER_MINUTE: '10000',
  });
});
afterAll(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  await coordinator.stop();
});

const p99 = (samples: number[]) =>
  [...samples].sort((x, y) => x - y)[Math.ceil(samples.length * 0.99) - 1] ?? 0;

describe('one flooded inbox', () => {
  it("does not slow down other agents' tool calls and hooks", { timeout: 120_000 }, async () => {
    const flooder = await as('flooder');
    const victim = await as('victim');
    await victim.call('list_agents');
    const big = 'x'.repeat(64 * 1024 - 100);
    let sent = 0;
    for (;;) {
      const r = await flooder.raw('send_request', { to: 'victim', message: big });
      if (r.isError) break;
      sent += 1;
    }
    expect(sent).toBeGreaterThan(100); // the inbox is full (8 MiB)

    // The flooded agent keeps calling its hooks and tools while the others work.
    let stop = false;
    const hooks = ['stop', 'post-tool-use', 'prompt'];
    const busy = (async () => {
      for (let i = 0; !stop; i++) {
        await request(`${coordinator.url}/api/hooks/${hooks[i % 3]}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Agent-ID': 'victim' },
          body: JSON.stringify({ session_id: `s${i}`, tool_name: 'Bash' }),
        });
        await postMcp(
          coordinator.url,
          { 'X-Agent-ID': 'victim' },
          {
            jsonrpc: '2.0',
            id: i,
            method: 'tools/call',
            params: { name: 'get_pending_requests', arguments: { limit: 5 } },
          },
        );
      }
    })();
    const a = await as('other-a');
    const b = await as('other-b');
    await b.call('list_agents');
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      let t = performance.now();
      const { request_id } = await a.call<{ request_id: string }>('send_request', {
        to: 'other-b',
        message: `q${i}`,
      });
      samples.push(performance.now() - t);
      t = performance.now();
      await b.call('get_pending_requests');
      samples.push(performance.now() - t);
      t = performance.now();
      await request(`${coordinator.url}/api/hooks/post-tool-use`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Agent-ID': 'other-b' },
        body: JSON.stringify({ session_id: 'b', tool_name: 'Bash' }),
      });
      samples.push(performance.now() - t);
      t = performance.now();
      await b.call('respond_to_request', { request_id, response: 'ok' });
      samples.push(performance.now() - t);
    }
    stop = true;
    await busy;
    // biome-ignore lint/suspicious/noConsole: the measured figure, for the notes
    console.log(
      `other agents' calls beside a flooded inbox: p99 ${p99(samples).toFixed(1)} ms, n=${samples.length}`,
    );
    // Before bodies left the inbox, each hook call of the flooded agent blocked Redis for
    // seconds. The 50 ms target is measured by npm run bench; this bound holds on a loaded machine.
    expect(p99(samples)).toBeLessThan(250);
  });
});
