/**
 * @module The soak itself, for the command and for the CI test: start Redis and the coordinator
 * processes, run the agents, then verify what the ledger and Redis say and measure it.
 */
import { setMaxListeners } from 'node:events';
import { summarize } from '../bench/stats.js';
import { rssBytes, startEnvironment } from './environment.js';
import { type AnswerMode, Ledger, type Tally } from './ledger.js';
import { createMcpClient, type McpClient } from './mcp-client.js';
import type { SoakOptions } from './options.js';
import { listen } from './recipient.js';
import { type DrainState, drained, openRedisProbe } from './redis-probe.js';
import { sleep } from './retry.js';
import { collect, createPermits, type Planned, send } from './sender.js';

/** The ledger's counts as they are, and what the soak measured around them. */
export interface SoakReport
  extends Pick<
    Tally,
    | 'sent'
    | 'answered'
    | 'expired'
    | 'lost'
    | 'duplicated'
    | 'wrong'
    | 'redelivered'
    | 'idempotency'
    | 'retries'
  > {
  options: Omit<SoakOptions, 'json'>;
  /** Inbox entries left at the end (unanswered requests). */
  pending: number;
  errors: { count: number; first: string[] };
  roundTripsPerSecond: number;
  latencyMs: Latency & { byMode: Record<AnswerMode, Latency> };
  elapsedSeconds: number;
  coordinators: { rssMb: { before: number; peak: number; after: number } }[];
  /** Redis memory, and the keys the soak left (records and conversations kept for retention). */
  redis: { usedMemoryMb: { before: number; after: number }; keysAfter: number };
  drain: DrainState & { drained: boolean };
  /** Why the soak failed; empty when it passed. */
  failures: string[];
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

const latencyOf = (samples: number[]): Latency => {
  const { p50, p99, max } = summarize(samples);
  return { p50, p99, max };
};

/** Answer modes, dealt round-robin to the agents. */
const MODES: AnswerMode[] = ['by-id', 'any', 'mixed'];
/** One send in this many is sent a second time with the same idempotency key. */
const RESEND_EVERY = 25;
const MB = 1024 * 1024;

/** Runs the whole soak; `log` gets progress lines. */
export async function runSoak(
  options: Omit<SoakOptions, 'json'>,
  log: (line: string) => void = () => {},
): Promise<SoakReport> {
  const started = performance.now();
  const env = await startEnvironment(options);
  try {
    const probe = await openRedisProbe(env.redisUrl, env.prefix);
    try {
      return await drive(options, env, probe, log, started);
    } finally {
      if (!env.ownRedis) await probe.removeAll().catch(() => 0);
      await probe.close();
    }
  } finally {
    await env.stop();
  }
}

async function drive(
  options: Omit<SoakOptions, 'json'>,
  env: Awaited<ReturnType<typeof startEnvironment>>,
  probe: Awaited<ReturnType<typeof openRedisProbe>>,
  log: (line: string) => void,
  started: number,
): Promise<SoakReport> {
  const n = options.agents;
  const tag = env.prefix;
  const width = String(n - 1).length;
  const clients: McpClient[] = Array.from({ length: n }, (_, i) =>
    createMcpClient(
      env.coordinators[i % env.coordinators.length]?.url ?? '',
      `agent-${String(i).padStart(width, '0')}`,
    ),
  );
  const ids = clients.map((c) => c.agentId);
  // Every agent must be known before the first send to it.
  for (let i = 0; i < n; i += 50)
    await Promise.all(clients.slice(i, i + 50).map((c) => c.call('list_agents')));

  const pids = env.coordinators.map((c) => c.pid);
  const rssBefore = pids.map(rssBytes);
  const rssPeak = [...rssBefore];
  const memoryBefore = await probe.usedMemory();

  const plans = clients.map(() => [] as Planned[]);
  for (let index = 0; index < options.requests; index++) {
    const from = index % n;
    const to = (from + 1 + Math.floor(Math.random() * (n - 1))) % n;
    plans[from]?.push({ index, to: ids[to] ?? '', silent: Math.random() < options.expireShare });
  }
  const mode = (i: number) => MODES[i % MODES.length] as AnswerMode;
  const lanes = Math.min(6, Math.ceil(options.concurrency / n));

  const ledger = new Ledger();
  const stop = new AbortController();
  const giveUp = new AbortController();
  // Every call in flight and every request awaiting its outcome listens to these two.
  setMaxListeners(0, stop.signal, giveUp.signal);
  const listeners = clients.map((c) => listen(c, ledger, stop.signal));
  const collectors = clients
    .filter((_, i) => mode(i) === 'any')
    .map((c) => collect(c, ledger, stop.signal));

  const sampler = setInterval(() => {
    pids.forEach((pid, i) => {
      rssPeak[i] = Math.max(rssPeak[i] ?? 0, rssBytes(pid) || 0);
    });
  }, 500);
  const progress = setInterval(() => {
    const p = ledger.progress();
    log(`  ${p.sent} sent, ${p.answered} answered, ${p.expired} expired`);
  }, 5_000);
  let sendsDone = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  const permits = createPermits(options.concurrency);
  try {
    await Promise.all(
      clients.map((client, i) =>
        send(
          {
            client,
            mode: mode(i),
            requests: plans[i] ?? [],
            lanes: mode(i) === 'mixed' ? 1 : lanes,
            tag,
            expireSeconds: options.expireSeconds,
            resendEvery: RESEND_EVERY,
          },
          ledger,
          permits,
          giveUp.signal,
          () => {
            sendsDone += 1;
            if (sendsDone === options.requests) {
              log(`  all sent; waiting up to ${options.drainSeconds} s for the last answers`);
              drainTimer = setTimeout(() => giveUp.abort(), options.drainSeconds * 1000);
            }
          },
        ),
      ),
    );
  } finally {
    clearTimeout(drainTimer);
    clearInterval(progress);
    stop.abort();
    await Promise.all([...listeners, ...collectors]);
    clearInterval(sampler);
  }

  // What follows an answer in the background (a received mark) lands within milliseconds.
  let drain = await probe.drainState(ids);
  for (let i = 0; i < 50 && !drained(drain); i++) {
    await sleep(200);
    drain = await probe.drainState(ids);
  }
  const memoryAfter = await probe.usedMemory();
  const keysAfter = await probe.countKeys();
  const rssAfter = pids.map(rssBytes);
  const t = ledger.tally();
  const report: SoakReport = {
    options: {
      agents: options.agents,
      requests: options.requests,
      coordinators: options.coordinators,
      concurrency: options.concurrency,
      redisUrl: options.redisUrl,
      expireShare: options.expireShare,
      expireSeconds: options.expireSeconds,
      drainSeconds: options.drainSeconds,
    },
    sent: t.sent,
    answered: t.answered,
    expired: t.expired,
    lost: t.lost,
    duplicated: t.duplicated,
    wrong: t.wrong,
    pending: drain.inboxEntries,
    redelivered: t.redelivered,
    idempotency: t.idempotency,
    retries: t.retries,
    errors: { count: t.errorCount, first: t.errors },
    roundTripsPerSecond: t.answered / Math.max(0.001, (t.span.to - t.span.from) / 1000),
    latencyMs: {
      ...latencyOf(t.latenciesMs),
      byMode: {
        'by-id': latencyOf(t.latenciesByMode['by-id']),
        any: latencyOf(t.latenciesByMode.any),
        mixed: latencyOf(t.latenciesByMode.mixed),
      },
    },
    elapsedSeconds: (performance.now() - started) / 1000,
    coordinators: pids.map((_, i) => ({
      rssMb: {
        before: (rssBefore[i] ?? Number.NaN) / MB,
        peak: (rssPeak[i] ?? Number.NaN) / MB,
        after: (rssAfter[i] ?? Number.NaN) / MB,
      },
    })),
    redis: { usedMemoryMb: { before: memoryBefore / MB, after: memoryAfter / MB }, keysAfter },
    drain: { ...drain, drained: drained(drain) },
    failures: [],
  };
  report.failures = failuresOf(report, options.requests);
  return report;
}

/** What makes a soak fail. */
function failuresOf(r: SoakReport, requests: number): string[] {
  const failures: string[] = [];
  if (r.sent < requests) failures.push(`${requests - r.sent} sends never succeeded`);
  if (r.lost > 0) failures.push(`${r.lost} lost`);
  if (r.duplicated.answers > 0) failures.push(`${r.duplicated.answers} answers received twice`);
  if (r.duplicated.deliveries > 0)
    failures.push(`${r.duplicated.deliveries} requests delivered as new twice`);
  if (r.wrong > 0) failures.push(`${r.wrong} wrong outcomes`);
  if (r.idempotency.broken > 0)
    failures.push(`${r.idempotency.broken} resends with the same idempotency key not deduplicated`);
  if (r.errors.count > 0) failures.push(`${r.errors.count} calls failed`);
  if (!r.drain.drained) failures.push('inboxes or answer queues did not drain');
  return failures;
}
