/**
 * An agent's answer queue, inbox and received marks stay bounded however many requests it sends:
 * 10,000 answered requests, their answers taken by a mix of waits with and without request_id,
 * driven through the services of an in-process coordinator (the tools call the same functions).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import type { Caller } from '../src/service/caller.js';
import { createKeys, GROUP, type Keys } from '../src/store/keys.js';
import { connectRedis, type RedisConnections } from '../src/store/redis-client.js';
import { backendTarget } from './helpers/backends.js';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';

const TOTAL = 10_000;
const BATCH = 100;
const SENDERS = ['sender-a', 'sender-b'];
const RECIPIENTS = ['recipient-x', 'recipient-y'];
const DAY_MS = 24 * 60 * 60 * 1000;

let c: TestCoordinator;
let redis: RedisConnections;
let keys: Keys;

beforeAll(async () => {
  c = await startTestCoordinator({
    C3PO_SEND_RATE_PER_MINUTE: '1000000',
    C3PO_MAX_WAITS_PER_AGENT: String(BATCH),
  });
  redis = connectRedis(backendTarget('single'), createLogger('silent'));
  keys = createKeys(c.prefix);
  for (const agent of [...SENDERS, ...RECIPIENTS]) await c.services.agents.seen(agent);
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await redis.close();
  await c.stop();
});

const caller = (agentId: string): Caller => ({ agentId });
const now = () => ({ timeoutSeconds: 0, signal: new AbortController().signal });
const count = async (command: string, key: string) => Number(await redis.call(key, command, key));

/** One batch: sends, every recipient takes and answers its requests; nothing is taken yet. */
async function sendAndAnswer(n: number, offset: number) {
  const sent = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const from = SENDERS[(offset + i) % 2] as string;
      const to = RECIPIENTS[Math.floor((offset + i) / 2) % 2] as string;
      return c.services.requests
        .send(caller(from), { to, message: `q${offset + i}` })
        .then((s) => ({ from, requestId: s.request_id, message: `q${offset + i}` }));
    }),
  );
  await Promise.all(
    RECIPIENTS.map(async (r) => {
      for (;;) {
        const got = await c.services.waits.forRequest(caller(r), now());
        if (got.status !== 'received') return;
        await Promise.all(
          (got.requests ?? []).map((q) =>
            c.services.answers.respond(r, {
              request_id: q.request_id,
              response: `re ${q.message}`,
            }),
          ),
        );
      }
    }),
  );
  return sent;
}

/** Takes a batch's answers: every third by request_id, the rest by waits without one. */
async function takeAnswers(sent: { from: string; requestId: string; message: string }[]) {
  const got = new Map<string, string>();
  const twice: string[] = [];
  const take = (id: string | undefined, text: string | undefined) => {
    if (!id) return;
    if (got.has(id)) twice.push(id);
    got.set(id, text ?? '');
  };
  await Promise.all(
    sent
      .filter((_, i) => i % 3 === 0)
      .map(async (s) => {
        const w = await c.services.waits.forResponse(caller(s.from), s.requestId, now());
        take(w.status === 'received' ? w.response?.request_id : undefined, w.response?.response);
      }),
  );
  for (const from of SENDERS) {
    for (;;) {
      const w = await c.services.waits.forResponse(caller(from), undefined, now());
      if (w.status !== 'received') break;
      take(w.response?.request_id, w.response?.response);
    }
  }
  return { got, twice };
}

describe('answer queues after many answered requests', () => {
  it('hold nothing once 10,000 answers were taken, and keep one received mark per answer within the keep time', {
    timeout: 180_000,
  }, async () => {
    let taken = 0;
    for (let offset = 0; offset < TOTAL; offset += BATCH) {
      const sent = await sendAndAnswer(BATCH, offset);
      const { got, twice } = await takeAnswers(sent);
      expect(twice).toEqual([]);
      for (const s of sent) expect(got.get(s.requestId)).toBe(`re ${s.message}`);
      taken += got.size;
    }
    expect(taken).toBe(TOTAL);

    for (const s of SENDERS) expect(await count('ZCARD', keys.answers(s))).toBe(0);
    for (const r of RECIPIENTS) {
      expect(await count('XLEN', keys.inbox(r))).toBe(0);
      expect(await count('HLEN', keys.delivered(r))).toBe(0);
      const pending = (await redis.call(
        keys.inbox(r),
        'XPENDING',
        keys.inbox(r),
        GROUP,
      )) as unknown[];
      expect(Number(pending[0])).toBe(0);
    }
    expect(await count('ZCARD', keys.deadlines)).toBe(0);
    // One mark per answer received, no more: the marks only remember what was taken.
    const marks = await Promise.all(SENDERS.map((s) => count('ZCARD', keys.received(s))));
    expect(marks.reduce((a, b) => a + b, 0)).toBe(TOTAL);

    // Past the keep time (the longest deadline and a day), the next answer taken drops the old marks.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 9 * DAY_MS);
    const late = await sendAndAnswer(2, TOTAL);
    const { got } = await takeAnswers(late);
    expect(got.size).toBe(2);
    for (const s of SENDERS) expect(await count('ZCARD', keys.received(s))).toBe(1);
  });

  it('counts no request in flight once everything sent was answered, also after a resend or a refused send', async () => {
    const d = await startTestCoordinator();
    try {
      const a = caller('sender-a');
      await d.services.agents.seen('recipient-x');
      const input = { to: 'recipient-x', message: 'once', idempotency_key: 'key-1' };
      const first = await d.services.requests.send(a, input);
      // The retry of a send whose reply was lost: the same request comes back.
      const again = await d.services.requests.send(a, input);
      expect(again).toMatchObject({ request_id: first.request_id, duplicate: true });
      // A send refused before its commit (its recipient was never seen).
      await expect(
        d.services.requests.send(a, { to: 'nobody', message: 'hello?' }),
      ).rejects.toMatchObject({ code: 'unknown_agent' });
      await d.services.answers.respond('recipient-x', {
        request_id: first.request_id,
        response: 'done',
      });
      const status = await d.services.overview.status('test');
      expect(status.requests).toMatchObject({ in_flight: 0 });
      const dKeys = createKeys(d.prefix);
      expect(await count('ZCARD', dKeys.deadlines)).toBe(0);
      // The sender's pointers name the one request it sent, not the sends that never were.
      const pattern = dKeys.sent('sender-a', '*');
      expect(await redis.call(pattern, 'KEYS', pattern)).toEqual([
        dKeys.sent('sender-a', first.request_id),
      ]);
    } finally {
      await d.stop();
    }
  });
});
