/** Many agents parked in wait_for_request on one coordinator process: what it costs, how fast they wake. */
import { leanAgent } from './lean-client.js';
import type { Agent } from './mcp-agents.js';
import { type Proc, rssMb, startCoordinator } from './processes.js';
import { rawClient, usedMemoryMb } from './raw-floor.js';
import { now, type Summary, summarize } from './stats.js';

export interface ParkedResult {
  connections: number;
  rssMb: number;
  rssIdleMb: number;
  redisMemoryMb: number;
  wake: Summary;
  burstMs: number;
  woken: number;
}

const waitFor = async (url: string, n: number) => {
  for (let i = 0; i < 600; i++) {
    const health = (await (await fetch(`${url}/api/health`)).json()) as { waiters: number };
    if (health.waiters >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
};

export async function parkedWaiters(
  redis: Proc,
  n: number,
  sampled: number,
): Promise<ParkedResult> {
  const coordinator = await startCoordinator(redis.url, { C3PO_MAX_WAITS: String(n + 100) });
  const admin = await rawClient(redis.url);
  try {
    const observer = leanAgent(coordinator.url, 'observer');
    await observer.call('list_agents');
    const rssIdleMb = rssMb(coordinator.pid);
    const memBefore = await usedMemoryMb(admin);
    const agents: Agent[] = Array.from({ length: n }, (_, i) =>
      leanAgent(coordinator.url, `park-${i}`),
    );
    await Promise.all(agents.map((a) => a.call('list_agents')));
    const park = (a: Agent) =>
      a.call<{ status: string }>('wait_for_request', { timeout_seconds: 90 });
    const waits = agents.map(park);
    await waitFor(coordinator.url, n);
    // Parked for good: every wait has turned into an SSE stream (after 1 s). RSS is the median of
    // five samples half a second apart, so that one garbage collection more or less does not decide.
    await new Promise((r) => setTimeout(r, 2_000));
    const connections = (await admin.clientList()).filter((c) => c.name.startsWith('c3po-')).length;
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssMb(coordinator.pid));
      await new Promise((r) => setTimeout(r, 500));
    }
    const rss = samples.sort((x, y) => x - y)[2] as number;
    const redisMemoryMb = (await usedMemoryMb(admin)) - memBefore;

    // One at a time: each send wakes its own waiter while all the others stay parked.
    const wakes: number[] = [];
    for (let i = 0; i < sampled; i++) {
      const started = now();
      await observer.call('send_request', { to: `park-${i}`, message: 'wake up' });
      await waits[i];
      wakes.push(now() - started);
    }
    const started = now();
    await Promise.all(
      agents.slice(sampled).map((a) => observer.call('send_request', { to: a.id, message: 'all' })),
    );
    const woken = (await Promise.all(waits)).filter((w) => w.status === 'received').length;
    return {
      connections,
      rssMb: rss,
      rssIdleMb,
      redisMemoryMb,
      wake: summarize(wakes),
      burstMs: now() - started,
      woken,
    };
  } finally {
    await admin.close();
    await coordinator.stop();
  }
}
