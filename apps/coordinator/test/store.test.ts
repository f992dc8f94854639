import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GROUP } from '../src/store/keys.js';
import { makeRequest, openTestStore, type TestStore } from './helpers/store.js';

let t: TestStore;
beforeEach(async () => {
  t = await openTestStore();
});
afterEach(async () => {
  await t.close();
});

const xRange = async (key: string, start: string, end: string) =>
  (await t.raw.xRange(key, start, end)) ?? [];

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

const claimOpts = { count: 10, minIdleMs: 100, maxDeliveries: 5 };

describe('inbox store', () => {
  it('redelivers an unanswered request, with its delivery count, after the reader vanished', async () => {
    const request = makeRequest();
    await t.store.inbox.append(request, undefined, 'f');
    const first = await t.store.inbox.claim('agent-b', claimOpts);
    expect(first.requests.map((r) => [r.request.request_id, r.deliveries])).toEqual([
      [request.request_id, 1],
    ]);

    // The reader goes away without answering. Too soon: nothing to hand out.
    expect((await t.store.inbox.claim('agent-b', claimOpts)).requests).toEqual([]);
    await sleep(150);
    const second = await t.store.inbox.claim('agent-b', claimOpts);
    expect(
      second.requests.map((r) => [r.request.request_id, r.deliveries, r.request.message]),
    ).toEqual([[request.request_id, 2, 'hello']]);

    await t.store.inbox.ack('agent-b', request.request_id);
    await sleep(150);
    expect((await t.store.inbox.claim('agent-b', claimOpts)).requests).toEqual([]);
  });

  it('gives back a claim at once, with its delivery count restored', async () => {
    await t.store.inbox.append(makeRequest(), undefined, 'f');
    const { requests } = await t.store.inbox.claim('agent-b', { ...claimOpts, minIdleMs: 60_000 });
    await t.store.inbox.release('agent-b', requests, 60_000);
    const again = await t.store.inbox.claim('agent-b', { ...claimOpts, minIdleMs: 60_000 });
    expect(again.requests.map((r) => r.deliveries)).toEqual([1]);
  });

  it('returns the first request for a repeated idempotency key and stores it once', async () => {
    const dedupe = { digest: 'abc', ttlSeconds: 60 };
    const first = await t.store.inbox.append(makeRequest({ message: 'once' }), dedupe, 'fp');
    const second = await t.store.inbox.append(makeRequest({ message: 'once' }), dedupe, 'fp');
    expect(second).toMatchObject({
      duplicate: true,
      requestId: first.requestId,
      conversationId: first.conversationId,
      entryId: first.entryId,
    });
    expect(await t.raw.xLen(t.keys.inbox('agent-b'))).toBe(1);
  });

  it('hands an over-delivered request back as exhausted instead of delivering it again', async () => {
    await t.store.inbox.append(makeRequest(), undefined, 'f');
    const opts = { ...claimOpts, maxDeliveries: 2 };
    expect((await t.store.inbox.claim('agent-b', opts)).requests).toHaveLength(1);
    await sleep(150);
    expect((await t.store.inbox.claim('agent-b', opts)).requests.map((r) => r.deliveries)).toEqual([
      2,
    ]);
    await sleep(150);
    const third = await t.store.inbox.claim('agent-b', opts);
    expect(third.requests).toEqual([]);
    expect(third.exhausted.map((r) => r.deliveries)).toEqual([2]);
    await t.store.inbox.deadLetter('agent-b', must(third.exhausted[0]), 'too many deliveries');
    const dead = await xRange(t.keys.deadLetters('agent-b'), '-', '+');
    expect(dead[0]?.message).toMatchObject({
      reason: 'too many deliveries',
      deliveries: '2',
      message: 'hello',
    });
    expect((await t.store.inbox.unanswered('agent-b', 10, 'peek')).total).toBe(0);
  });

  it('never trims an unanswered request, delivered or not', async () => {
    const requests = Array.from({ length: 5 }, (_, i) => makeRequest({ message: `m${i}` }));
    for (const r of requests) await t.store.inbox.append(r, undefined, 'f');
    await t.store.inbox.claim('agent-b', { ...claimOpts, count: 3 });
    // m0..m2 delivered, m3 and m4 not; m0 and m2 answered.
    await t.store.inbox.ack('agent-b', must(requests[0]).request_id);
    await t.store.inbox.ack('agent-b', must(requests[2]).request_id);
    await t.store.inbox.trim('agent-b');

    const left = await t.store.inbox.unanswered('agent-b', 10, 'peek');
    expect(left.total).toBe(3);
    expect(left.items.map((i) => i.request.message)).toEqual(['m1', 'm3', 'm4']);
    const entries = await xRange(t.keys.inbox('agent-b'), '-', '+');
    expect(entries.map((e) => e.message.message)).not.toContain('m0');

    // Answer everything delivered: the undelivered ones still stay.
    await t.store.inbox.ack('agent-b', must(requests[1]).request_id);
    await t.store.inbox.trim('agent-b');
    const rest = await xRange(t.keys.inbox('agent-b'), '-', '+');
    expect(rest.map((e) => e.message.message)).toEqual(['m3', 'm4']);
    const claimed = await t.store.inbox.claim('agent-b', claimOpts);
    expect(claimed.requests.map((r) => r.request.message)).toEqual(['m3', 'm4']);
  });

  it('keeps readable, flat fields in the inbox stream', async () => {
    await t.store.inbox.append(
      makeRequest({ message: 'look at me', context: 'ctx' }),
      undefined,
      'f',
    );
    const [entry] = await xRange(t.keys.inbox('agent-b'), '-', '+');
    expect(entry?.message).toMatchObject({
      type: 'request',
      from: 'agent-a',
      to: 'agent-b',
      message: 'look at me',
      context: 'ctx',
    });
    const groups = await t.raw.xInfoGroups(t.keys.inbox('agent-b'));
    expect(groups.map((g) => g.name)).toEqual([GROUP]);
  });
});
