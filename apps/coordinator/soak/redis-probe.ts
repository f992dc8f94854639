/**
 * @module Raw Redis reads on the coordinator's own keys (named by `src/store/keys.ts`): did the
 * inboxes and answer queues drain, how many received marks are kept, how much memory Redis uses.
 */
import { createClient } from 'redis';
import { createKeys, GROUP } from '../src/store/keys.js';

/** What is left under a prefix once every request has an outcome. */
export interface DrainState {
  /** Entries in the agents' inbox streams (XLEN): requests still unanswered. */
  inboxEntries: number;
  /** Entries in the inboxes' pending entries lists (delivered, not answered). */
  pendingEntries: number;
  /** Requests marked delivered and not answered (the delivered hashes). */
  deliveredMarks: number;
  /** Answers queued for a requester and not received yet (the answers zsets). */
  queuedAnswers: number;
  /** Entries of the global deadlines index whose request is still open. */
  deadlines: number;
  /**
   * Entries of the deadlines index with no open request behind them: a send that never committed
   * and was not cleaned up (only a crash between its two round trips should leave one).
   */
  deadlinesWithoutRequest: number;
  /** Bytes the inbox counters still hold. */
  inboxBytes: number;
  /** Received marks kept (one per answer received in the keep window), in all and at most per agent. */
  receivedMarks: { total: number; maxPerAgent: number };
}

export const drained = (s: DrainState) =>
  s.inboxEntries === 0 &&
  s.pendingEntries === 0 &&
  s.deliveredMarks === 0 &&
  s.queuedAnswers === 0 &&
  s.deadlines === 0 &&
  s.deadlinesWithoutRequest === 0 &&
  s.inboxBytes === 0;

export type RedisProbe = Awaited<ReturnType<typeof openRedisProbe>>;

export async function openRedisProbe(url: string, prefix: string) {
  const client = createClient({ url, RESP: 2 });
  client.on('error', () => {}); // a failed command rejects; connection noise is not news here
  await client.connect();
  const keys = createKeys(prefix);
  const int = async (command: string[]) => Number(await client.sendCommand(command)) || 0;

  const pending = async (inbox: string) => {
    if ((await int(['EXISTS', inbox])) === 0) return 0;
    const summary = (await client.sendCommand(['XPENDING', inbox, GROUP])) as unknown[];
    return Number(summary[0]) || 0;
  };

  const deadlineEntries = async () => {
    const members = (await client.sendCommand(['ZRANGE', keys.deadlines, '0', '-1'])) as string[];
    const open = await Promise.all(
      members.map(async (m) => {
        const [recipient = '', requestId = ''] = m.split(' ');
        const key = keys.request(recipient, requestId);
        return String(await client.sendCommand(['HGET', key, 'state'])) === 'queued';
      }),
    );
    const deadlines = open.filter(Boolean).length;
    return { deadlines, deadlinesWithoutRequest: members.length - deadlines };
  };

  return {
    /** Redis `used_memory`, bytes. */
    async usedMemory(): Promise<number> {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    },

    async drainState(agents: readonly string[]): Promise<DrainState> {
      const per = await Promise.all(
        agents.map(async (a) => {
          const [inbox, pend, delivered, answers, received, bytes] = await Promise.all([
            int(['XLEN', keys.inbox(a)]),
            pending(keys.inbox(a)),
            int(['HLEN', keys.delivered(a)]),
            int(['ZCARD', keys.answers(a)]),
            int(['ZCARD', keys.received(a)]),
            int(['GET', keys.inboxBytes(a)]),
          ]);
          return { inbox, pend, delivered, answers, received, bytes };
        }),
      );
      const sum = (f: (p: (typeof per)[number]) => number) => per.reduce((n, p) => n + f(p), 0);
      return {
        inboxEntries: sum((p) => p.inbox),
        pendingEntries: sum((p) => p.pend),
        deliveredMarks: sum((p) => p.delivered),
        queuedAnswers: sum((p) => p.answers),
        ...(await deadlineEntries()),
        inboxBytes: sum((p) => p.bytes),
        receivedMarks: {
          total: sum((p) => p.received),
          maxPerAgent: Math.max(0, ...per.map((p) => p.received)),
        },
      };
    },

    /** How many keys there are under the prefix. */
    async countKeys(): Promise<number> {
      let n = 0;
      for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
        n += batch.length;
      return n;
    },

    /** Removes every key under the prefix (for a Redis the soak did not start). */
    async removeAll(): Promise<number> {
      let removed = 0;
      for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
        if (batch.length > 0) removed += await client.unlink(batch);
      }
      return removed;
    },

    close: () => client.close(),
  };
}
