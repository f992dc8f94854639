/**
 * The soak's short version (npm run soak runs the long one): 20 agents exchange 1,000 requests
 * through 2 coordinator processes (the built dist/main.js) on a redis-server with AOF everysec.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../soak/soak.js';

describe('soak', () => {
  it('loses, duplicates and leaves nothing with 20 agents, 1,000 requests and 2 coordinator processes', {
    timeout: 120_000,
  }, async () => {
    const report = await runSoak({
      agents: 20,
      requests: 1_000,
      coordinators: 2,
      concurrency: 40,
      redisUrl: undefined,
      expireShare: 0.03,
      expireSeconds: 2,
      drainSeconds: 30,
    });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({
      sent: 1_000,
      lost: 0,
      duplicated: { answers: 0, deliveries: 0 },
      wrong: 0,
      pending: 0,
      errors: { count: 0 },
    });
    expect(report.answered + report.expired).toBe(1_000);
    expect(report.expired).toBeGreaterThan(0);
    expect(report.idempotency).toMatchObject({ resends: 40, broken: 0 });
    expect(report.drain).toMatchObject({
      drained: true,
      inboxEntries: 0,
      pendingEntries: 0,
      queuedAnswers: 0,
      deadlines: 0,
      deadlinesWithoutRequest: 0,
    });
  });
});
