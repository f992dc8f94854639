/**
 * @module The sender's side of its requests: which agent each one went to (so a sender finds a
 * request by ID alone), and the queue of answers it has not received yet, read by
 * wait_for_response without request_id. An answer handed to a wait is hidden while its result is
 * on its way, and leaves the queue once it reached the client (or was received by request ID), so
 * the queue holds only what is still to be received.
 */
import { BELL, type Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** An answer in a requester's queue: which request, from whom, available from when. */
export interface QueuedAnswer {
  requestId: string;
  recipient: string;
  availableMs: number;
}

const member = (requestId: string, recipient: string) => `${requestId} ${recipient}`;

/** Sends of this process remembered in memory (the most recent), so a wait by ID skips a read. */
const RECENT_SENDS = 10_000;

export type AnswersStore = ReturnType<typeof createAnswersStore>;

export function createAnswersStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  const queueKeys = (agent: string) => [keys.answers(agent), keys.received(agent)];
  /** `<sender> <request id>` → recipient: a copy of what the `sent` keys hold (never changed). */
  const recent = new Map<string, string>();
  return {
    /** Records that `sender`'s request went to `recipient` (written before the send commits). */
    async recordSent(sender: string, requestId: string, recipient: string, ttlMs: number) {
      const key = keys.sent(sender, requestId);
      await redis.call(key, 'SET', key, recipient, 'PX', ttlMs);
      recent.set(`${sender} ${requestId}`, recipient);
      if (recent.size > RECENT_SENDS) recent.delete(recent.keys().next().value as string);
    },

    /** Forgets a send that was refused. */
    async forgetSent(sender: string, requestId: string) {
      recent.delete(`${sender} ${requestId}`);
      const key = keys.sent(sender, requestId);
      await redis.call(key, 'DEL', key);
    },

    /**
     * The recipient of a request `sender` sent, or undefined when it sent no such request. A send
     * remembered here may be past retention in Redis: its record is gone then, which callers check.
     */
    async recipientOf(sender: string, requestId: string): Promise<string | undefined> {
      const known = recent.get(`${sender} ${requestId}`);
      if (known !== undefined) return known;
      const key = keys.sent(sender, requestId);
      const to = await redis.call(key, 'GET', key);
      return typeof to === 'string' ? to : undefined;
    },

    /** Queues the answer to `requester`'s request, unless it was queued or received before. */
    async deliver(requester: string, requestId: string, recipient: string, ttlMs: number) {
      await run('deliver-answer-2', queueKeys(requester), [
        member(requestId, recipient),
        requestId,
        Date.now(),
        ttlMs,
        keys.bell(requester),
        BELL.answer,
      ]);
    },

    /**
     * Hands the oldest available answer of `requester` to a wait, hiding it for `holdMs`; else
     * when one held by another wait becomes available again, if any is.
     */
    async lease(
      requester: string,
      holdMs: number,
    ): Promise<{ taken?: QueuedAnswer; nextMs?: number }> {
      const key = keys.answers(requester);
      const reply = await run('lease-answer-1', [key], [Date.now(), holdMs]);
      if (!Array.isArray(reply)) return {};
      const [memberText = '', score] = reply.map(String);
      if (memberText === '') return { nextMs: Number(score) };
      const [requestId = '', recipient = ''] = memberText.split(' ');
      return { taken: { requestId, recipient, availableMs: Number(score) } };
    },

    /** The answer to `requestId` reached its requester (by either wait): out of the queue for good. */
    async markReceived(requester: string, requestId: string, recipient: string, keepMs: number) {
      await run('take-answer-2', queueKeys(requester), [
        member(requestId, recipient),
        requestId,
        Date.now(),
        keepMs,
      ]);
    },

    /** Gives a leased answer back, available at once: its caller went away. */
    async restore(requester: string, answer: QueuedAnswer) {
      const key = keys.answers(requester);
      await redis.call(
        key,
        'ZADD',
        key,
        'XX',
        answer.availableMs,
        member(answer.requestId, answer.recipient),
      );
    },
  };
}
