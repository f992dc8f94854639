/**
 * npm run bench: C3PO round-trip latency and the cost of parked waiters, each printed next to a
 * raw-Redis floor measured in the same run, against the budgets of DESIGN §9.
 * Sizes: BENCH_ROUND_TRIPS (1000), BENCH_ROUND_TRIPS_CONCURRENT (20 per conversation), BENCH_WAITERS (1000).
 */
import { setMaxListeners } from 'node:events';
import { leanAgent } from './lean-client.js';
import { connect, mcpRoundTrips } from './mcp-agents.js';
import { rssMb, startCoordinator, startRedis } from './processes.js';
import { rawClient, rawParkedWaiters, rawRoundTrips, usedMemoryMb } from './raw-floor.js';
import { ms, type Summary, summarize } from './stats.js';

const WAITERS = Number(process.env.BENCH_WAITERS ?? 1000);
const EACH_SINGLE = Number(process.env.BENCH_ROUND_TRIPS ?? 1000);
const EACH_CONCURRENT = Number(process.env.BENCH_ROUND_TRIPS_CONCURRENT ?? 20);

const verdict = (ok: boolean) => (ok ? 'within budget' : 'OVER BUDGET');
const line = (label: string, s: Summary, floor: Summary, extra = '') =>
  console.log(
    `   ${label.padEnd(38)} p50 ${ms(s.p50).padStart(10)}  p99 ${ms(s.p99).padStart(10)}  max ${ms(s.max).padStart(10)}  (${(s.p50 / floor.p50).toFixed(1)}x floor p50, n=${s.count}${extra})`,
  );

async function roundTrips() {
  const redis = await startRedis();
  const coordinator = await startCoordinator(redis.url);
  try {
    console.log(
      '1. Round trip: A send_request → B wait_for_request returns → B respond_to_request → A wait_for_response returns',
    );
    for (const pairs of [1, 100]) {
      const each = pairs === 1 ? EACH_SINGLE : EACH_CONCURRENT;
      const floor = summarize(await rawRoundTrips(redis.url, pairs, each));
      const sdk = await mcpRoundTrips(coordinator.url, pairs, each);
      const lean = await mcpRoundTrips(coordinator.url, pairs, each, leanAgent);
      const s = summarize(sdk.samples);
      console.log(`   -- ${pairs} conversation${pairs > 1 ? 's at once' : ''}`);
      line('raw Redis floor (XADD → XREADGROUP)', floor, floor);
      line('C3PO, MCP SDK client', s, floor, `, ${sdk.perSecond.toFixed(0)}/s`);
      line(
        'C3PO, lean JSON-RPC client',
        summarize(lean.samples),
        floor,
        `, ${lean.perSecond.toFixed(0)}/s`,
      );
      if (pairs === 1)
        console.log(
          `   budget p50 ≤ 5 ms, p99 ≤ 25 ms (SDK client): ${verdict(s.p50 <= 5 && s.p99 <= 25)}`,
        );
    }
  } finally {
    await coordinator.stop();
    await redis.stop();
  }
}

async function parkedWaiters() {
  const redis = await startRedis();
  const coordinator = await startCoordinator(redis.url);
  const admin = await rawClient(redis.url);
  try {
    console.log(`\n2. ${WAITERS} agents parked in wait_for_request on one coordinator process`);
    const observer = await connect(coordinator.url, 'observer');
    await observer.call('list_agents');
    const rssIdle = rssMb(coordinator.pid);
    const memBefore = await usedMemoryMb(admin);
    const agents = await Promise.all(
      Array.from({ length: WAITERS }, (_, i) => connect(coordinator.url, `park-${i}`)),
    );
    const waits = agents.map((a) =>
      a.call<{ status: string }>('wait_for_request', { timeout_seconds: 90 }),
    );
    for (let i = 0; i < 600; i++) {
      const health = (await (await fetch(`${coordinator.url}/api/health`)).json()) as {
        waiters: number;
      };
      if (health.waiters >= WAITERS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const connections = (await admin.clientList()).filter((c) => c.name.startsWith('c3po-')).length;
    const rss = rssMb(coordinator.pid);
    const redisMem = (await usedMemoryMb(admin)) - memBefore;
    const started = performance.now();
    await Promise.all(
      agents.map((a) => observer.call('send_request', { to: a.id, message: 'wake up' })),
    );
    const woken = (await Promise.all(waits)).filter((w) => w.status === 'received').length;
    const wakeMs = performance.now() - started;
    console.log(
      `   C3PO:  ${connections} Redis connections; coordinator RSS ${rss.toFixed(0)} MB (idle ${rssIdle.toFixed(0)} MB, +${(rss - rssIdle).toFixed(0)} MB); Redis memory +${redisMem.toFixed(2)} MB`,
    );
    console.log(
      `          ${woken} of ${WAITERS} woken, each by its own request, ${wakeMs.toFixed(0)} ms after the first send`,
    );
    const raw = await rawParkedWaiters(redis.url, WAITERS, admin);
    console.log(
      `   floor: a blocking XREADGROUP per waiter: ${raw.connections} Redis connections; Redis memory +${raw.redisMemoryMb.toFixed(2)} MB`,
    );
    console.log(
      `   budget ≤ 4 connections, ≤ 250 MB RSS: ${verdict(connections <= 4 && rss <= 250 && woken === WAITERS)}`,
    );
    await Promise.all([...agents, observer].map((a) => a.close()));
  } finally {
    await admin.close();
    await coordinator.stop();
    await redis.stop();
  }
}

// The SDK client leaves an abort listener per request on its transport's signal; the warning
// Node prints for each one past the limit would slow this process and skew the numbers.
setMaxListeners(0);

console.log(
  `C3PO benchmark: Node ${process.version}, redis-server (AOF everysec), loopback only\n`,
);
roundTrips()
  .then(parkedWaiters)
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
