/** @module The soak's report as text for a terminal. */
import type { SoakReport } from './soak.js';

const mb = (n: number) => `${n.toFixed(1)} MB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

export function formatReport(r: SoakReport): string {
  const o = r.options;
  const d = r.drain;
  const lines = [
    `C3PO soak: ${o.agents} agents, ${o.requests} requests, ${o.coordinators} coordinator process${o.coordinators > 1 ? 'es' : ''}, concurrency ${o.concurrency}, expire share ${o.expireShare} (${o.expireSeconds} s)`,
    `  Redis: ${o.redisUrl ?? 'private redis-server, appendonly yes, appendfsync everysec'}; Node ${process.version}`,
    '',
    `  sent          ${r.sent}`,
    `  answered      ${r.answered}`,
    `  expired       ${r.expired}`,
    `  lost          ${r.lost}`,
    `  duplicated    ${r.duplicated.answers + r.duplicated.deliveries} (${r.duplicated.answers} answers received twice, ${r.duplicated.deliveries} requests delivered as new twice)`,
    `  wrong         ${r.wrong}`,
    `  pending       ${r.pending} (inbox entries left)`,
    `  redelivered   ${r.redelivered}`,
    `  idempotency   ${r.idempotency.resends} resends returned the first request, ${r.idempotency.broken} did not`,
    `  retries       ${r.retries} calls made again after a retryable error; ${r.errors.count} failed`,
    '',
    `  round trips   ${r.roundTripsPerSecond.toFixed(0)}/s; latency p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}, max ${ms(r.latencyMs.max)}`,
    `  by mode       ${Object.entries(r.latencyMs.byMode)
      .map(([mode, l]) => `${mode} p50 ${ms(l.p50)} p99 ${ms(l.p99)}`)
      .join('; ')}`,
    ...r.coordinators.map(
      (c, i) =>
        `  coordinator ${i + 1} RSS ${mb(c.rssMb.before)} before, ${mb(c.rssMb.peak)} peak, ${mb(c.rssMb.after)} after`,
    ),
    `  Redis used_memory ${mb(r.redis.usedMemoryMb.before)} before, ${mb(r.redis.usedMemoryMb.after)} after; ${r.redis.keysAfter} keys left (request records and conversations, kept for the retention period${o.redisUrl ? '; removed now' : ''})`,
    `  drained       ${d.drained ? 'yes' : 'NO'}: inbox entries ${d.inboxEntries}, pending entries ${d.pendingEntries}, delivered marks ${d.deliveredMarks}, queued answers ${d.queuedAnswers}, open deadlines ${d.deadlines}, inbox bytes ${d.inboxBytes}`,
    `  deadline entries without an open request ${d.deadlinesWithoutRequest}`,
    `  received marks ${d.receivedMarks.total} (at most ${d.receivedMarks.maxPerAgent} for one agent; one per answer received)`,
    `  took ${r.elapsedSeconds.toFixed(1)} s`,
    '',
    r.failures.length === 0 ? 'PASSED' : `FAILED: ${r.failures.join('; ')}`,
  ];
  for (const e of r.errors.first) lines.push(`  error: ${e}`);
  return lines.join('\n');
}
