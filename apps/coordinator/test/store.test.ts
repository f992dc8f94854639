import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toFields } from '../src/store/codec.js';
import { BACKENDS, type Backend } from './helpers/backends.js';
import { makeCommit, makeRequest, openTestStore, type TestStore } from './helpers/store.js';

const claimOpts = () => ({ count: 10, minIdleMs: 100, maxDeliveries: 5, nowMs: Date.now() });
const answer = (text: string) => ({
  response_id: `r-${text}`,
  response: text,
  status: 'success' as const,
  answered_at: new Date().toISOString(),
});

describe.each(BACKENDS)('store on %s Redis', (backend: Backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await openTestStore(backend);
  });
  afterEach(async () => {
    await t.close();
  });
  const call = (key: string, ...args: (string | number)[]) => t.redis.call(key, ...args);

  it('commits a send once per idempotency key, and refuses one that does not fit the inbox', async () => {
    const dedupe = { digest: 'abc', ttlSeconds: 60 };
    const first = await t.store.inbox.send(
      makeCommit(makeRequest({ message: 'once' }), { dedupe }),
    );
    const again = await t.store.inbox.send(
      makeCommit(makeRequest({ message: 'once' }), { dedupe }),
    );
    expect(first.outcome).toBe('sent');
    expect(again).toMatchObject({
      outcome: 'duplicate',
      request_id: (first as { request_id: string }).request_id,
    });
    expect(await call(t.keys.inbox('agent-b'), 'XLEN', t.keys.inbox('agent-b'))).toBe(1);

    const full = await t.store.inbox.send(
      makeCommit(makeRequest(), { limits: { maxUnanswered: 1, maxBytes: 1_000_000 } }),
    );
    expect(full).toMatchObject({ outcome: 'inbox_full', unanswered: 1 });
    const tooBig = await t.store.inbox.send(
      makeCommit(makeRequest(), { bytes: 2_000, limits: { maxUnanswered: 10, maxBytes: 1_000 } }),
    );
    expect(tooBig.outcome).toBe('inbox_full');
    expect(await call(t.keys.inbox('agent-b'), 'XLEN', t.keys.inbox('agent-b'))).toBe(1);
  });

  it('redelivers an unanswered request with its delivery count, and gives back a claim at once', async () => {
    const request = makeRequest();
    await t.store.inbox.send(makeCommit(request));
    const first = await t.store.inbox.claim('agent-b', claimOpts());
    expect(first.requests.map((r) => [r.request.request_id, r.deliveries])).toEqual([
      [request.request_id, 1],
    ]);
    expect((await t.store.inbox.claim('agent-b', claimOpts())).requests).toEqual([]);
    await sleep(150);
    const second = await t.store.inbox.claim('agent-b', claimOpts());
    expect(second.requests.map((r) => r.deliveries)).toEqual([2]);
    await t.store.inbox.release('agent-b', second.requests, 60_000);
    const third = await t.store.inbox.claim('agent-b', { ...claimOpts(), minIdleMs: 60_000 });
    expect(third.requests.map((r) => r.deliveries)).toEqual([2]);
  });

  it('returns over-delivered and overdue requests for ending instead of handing them out', async () => {
    await t.store.inbox.send(
      makeCommit(makeRequest({ message: 'late' }), { expiresAtMs: Date.now() + 100 }),
    );
    await t.store.inbox.send(makeCommit(makeRequest({ message: 'tired' })));
    const opts = () => ({ ...claimOpts(), maxDeliveries: 1 });
    expect((await t.store.inbox.claim('agent-b', opts())).requests.map((r) => r.preview)).toEqual([
      'late',
      'tired',
    ]);
    await sleep(150);
    const later = await t.store.inbox.claim('agent-b', opts());
    expect(later.requests).toEqual([]);
    expect(later.exhausted.map((r) => r.preview).sort()).toEqual(['late', 'tired']);
    await t.store.inbox.send(
      makeCommit(makeRequest({ message: 'gone' }), { expiresAtMs: Date.now() - 1 }),
    );
    expect((await t.store.inbox.claim('agent-b', opts())).overdue.map((r) => r.preview)).toEqual([
      'gone',
    ]);
  });

  it('stores one answer per request: the same one again is a duplicate, another a conflict', async () => {
    const request = makeRequest();
    await t.store.inbox.send(makeCommit(request));
    await t.store.inbox.claim('agent-b', claimOpts());
    const stored = await t.store.requests.respond(
      'agent-b',
      request.request_id,
      answer('yes'),
      60_000,
    );
    expect(stored.result).toBe('answered');
    expect(stored.record).toMatchObject({ state: 'answered', response: 'yes', from: 'agent-a' });
    const retry = await t.store.requests.respond(
      'agent-b',
      request.request_id,
      answer('yes'),
      60_000,
    );
    expect(retry.result).toBe('duplicate');
    expect(retry.record?.response_id).toBe('r-yes');
    expect(
      (await t.store.requests.respond('agent-b', request.request_id, answer('no'), 60_000)).result,
    ).toBe('conflict');
    // The answered request left the inbox, and with it its bytes.
    expect(await call(t.keys.inbox('agent-b'), 'XLEN', t.keys.inbox('agent-b'))).toBe(0);
    expect(await call(t.keys.inboxBytes('agent-b'), 'GET', t.keys.inboxBytes('agent-b'))).toBe('0');
    expect((await t.store.inbox.unanswered('agent-b', 10, 'peek', Date.now())).total).toBe(0);
  });

  it('ends a request once: cancel only by its sender, expiry only once due', async () => {
    const request = makeRequest();
    await t.store.inbox.send(makeCommit(request));
    const end = (mode: 'cancel' | 'expire', by?: string) =>
      t.store.requests.end('agent-b', request.request_id, {
        mode,
        ...(by ? { by } : {}),
        fields: { ended_at: new Date().toISOString(), reason: mode },
        ttlMs: 60_000,
        deadLetterMaxLength: 100,
      });
    expect((await end('cancel', 'agent-x')).result).toBe('not_found');
    expect((await end('expire')).result).toBe('not_due');
    expect((await end('cancel', 'agent-a')).result).toBe('ended');
    expect((await end('cancel', 'agent-a')).result).toBe('cancelled');
    expect(
      (await t.store.requests.respond('agent-b', request.request_id, answer('late'), 60_000))
        .result,
    ).toBe('cancelled');
    expect(await call(t.keys.inbox('agent-b'), 'XLEN', t.keys.inbox('agent-b'))).toBe(0);
  });

  it('lists unanswered requests as small pointers, their words read apart', async () => {
    for (let i = 0; i < 5; i++) {
      const message = `m${i}-${'x'.repeat(1000)}`;
      await t.store.inbox.send(
        makeCommit(makeRequest({ message, context: 'c' }), { preview: message.slice(0, 10) }),
      );
    }
    const peek = await t.store.inbox.unanswered('agent-b', 2, 'peek', Date.now());
    expect(peek.total).toBe(5);
    expect(peek.items.map((i) => [i.preview, i.deliveries])).toEqual([
      ['m0-xxxxxxx', 0],
      ['m1-xxxxxxx', 0],
    ]);
    const listed = await t.store.inbox.unanswered('agent-b', 3, 'deliver', Date.now());
    expect(listed.items.map((i) => i.deliveries)).toEqual([1, 1, 1]);
    const full = await t.store.inbox.withWords('agent-b', listed.items);
    expect(full.map((i) => [i.request.message.length, i.request.context])).toEqual([
      [1003, 'c'],
      [1003, 'c'],
      [1003, 'c'],
    ]);
    // Once a request ends, its words are left to the conversation.
    const first = full[0]?.request.request_id ?? '';
    await t.store.requests.respond('agent-b', first, answer('done'), 60_000);
    expect(await t.store.inbox.withWords('agent-b', listed.items.slice(0, 1))).toEqual([]);
  });

  it('queues an answer for its requester once, also after it was received', async () => {
    await t.store.answers.deliver('agent-a', 'R1', 'agent-b', 60_000);
    await t.store.answers.deliver('agent-a', 'R2', 'agent-b', 60_000);
    await t.store.answers.deliver('agent-a', 'R1', 'agent-b', 60_000);
    const { taken: first } = await t.store.answers.lease('agent-a', 60_000);
    expect(first).toMatchObject({ requestId: 'R1', recipient: 'agent-b' });
    // Hidden while its result is on its way; the next wait gets the next answer.
    expect((await t.store.answers.lease('agent-a', 60_000)).taken?.requestId).toBe('R2');
    if (first) await t.store.answers.restore('agent-a', first); // R1's caller went away
    await t.store.answers.markReceived('agent-a', 'R2', 'agent-b', 60_000); // R2 arrived
    await t.store.answers.deliver('agent-a', 'R2', 'agent-b', 60_000); // a repair: not queued again
    const before = Date.now();
    expect((await t.store.answers.lease('agent-a', 100)).taken?.requestId).toBe('R1');
    // Nothing available, but the wait learns when R1's hold ends.
    const held = await t.store.answers.lease('agent-a', 100);
    expect(held.taken).toBeUndefined();
    expect(held.nextMs).toBeGreaterThanOrEqual(before + 100);
    await new Promise((r) => setTimeout(r, 150)); // its hold ended: the coordinator died
    expect((await t.store.answers.lease('agent-a', 60_000)).taken?.requestId).toBe('R1');
    await t.store.answers.markReceived('agent-a', 'R1', 'agent-b', 60_000);
    expect(await t.store.answers.lease('agent-a', 100)).toEqual({});
  });

  it('shows a newcomer a conversation from the request that brought it in', async () => {
    const cid = 'C1';
    const req = (from: string, to: string, id: string, start = false) =>
      t.store.conversations.append(
        cid,
        {
          kind: 'request',
          requestId: id,
          from,
          to,
          start,
          fields: toFields({
            type: 'request',
            request_id: id,
            conversation_id: cid,
            from,
            to,
            created_at: new Date().toISOString(),
            message: id,
          }),
        },
        60_000,
      );
    await req('agent-a', 'agent-b', 'R1', true);
    expect((await req('agent-x', 'agent-b', 'RX')).result).toBe('outsider');
    const brought = await req('agent-b', 'agent-c', 'R2');
    expect(brought).toMatchObject({ result: 'appended', added: 'agent-c' });
    await req('agent-c', 'agent-a', 'R3');
    const forC = await t.store.conversations.read(cid, 'agent-c', 10);
    expect(forC.messages?.map((m) => m.message.request_id)).toEqual(['R2', 'R3']);
    expect(forC.total).toBe(2);
    const forA = await t.store.conversations.read(cid, 'agent-a', 10);
    expect(forA.messages?.map((m) => m.message.request_id)).toEqual(['R1', 'R2', 'R3']);
    expect((await t.store.conversations.read(cid, 'agent-x', 10)).result).toBe('outsider');
    // A refused send leaves no trace: entry and member gone.
    const refused = await req('agent-a', 'agent-d', 'R4');
    await t.store.conversations.undoAppend(cid, 'R4', refused);
    expect((await t.store.conversations.read(cid, 'agent-d', 10)).result).toBe('outsider');
    expect((await t.store.conversations.read(cid, 'agent-a', 10)).total).toBe(3);
  });

  it('keeps readable, flat fields in the inbox stream and the record', async () => {
    const request = makeRequest({ message: 'look at me', context: 'ctx' });
    await t.store.inbox.send(makeCommit(request));
    const entries = (await call(
      t.keys.inbox('agent-b'),
      'XRANGE',
      t.keys.inbox('agent-b'),
      '-',
      '+',
    )) as [string, string[]][];
    const fields = entries[0]?.[1] ?? [];
    expect(fields.slice(0, 4)).toEqual(['type', 'request', 'request_id', request.request_id]);
    expect(fields).toContain('look at me'); // the preview
    expect(fields).not.toContain('ctx');
    const got = await t.store.requests.get('agent-b', request.request_id);
    expect(got?.record).toMatchObject({
      from: 'agent-a',
      to: 'agent-b',
      state: 'queued',
      preview: 'look at me',
    });
  });
});
