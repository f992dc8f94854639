/**
 * @module The sender's side of its requests: which agent each one went to (so a sender finds a
 * request by ID alone), and the queue of answers it has not received yet, read by
 * wait_for_response without request_id. An answer leaves the queue once received, by either kind
 * of wait, so the queue holds only what is still to be received.
 */
import { BELL, type Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** An answer in a requester's queue: which request, from whom, queued when. */
export interface QueuedAnswer {
  requestId: string;
  recipient: string;
  queuedAtMs: number;
}

const member = (requestId: string, recipient: string) => `${requestId} ${recipient}`;

export type AnswersStore = ReturnType<typeof createAnswersStore>;

export function createAnswersStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  const queueKeys = (agent: string) => [keys.answers(agent), keys.received(agent)];
  return {
    /** Records that `sender`'s request went to `recipient` (written before the send commits). */
    async recordSent(sender: string, requestId: string, recipient: string, ttlMs: number) {
      const key = keys.sent(sender, requestId);
      await redis.call(key, 'SET', key, recipient, 'PX', ttlMs);
    },

    /** Forgets a send that was refused. */
    async forgetSent(sender: string, requestId: string) {
      const key = keys.sent(sender, requestId);
      await redis.call(key, 'DEL', key);
    },

    /** The recipient of a request `sender` sent, or undefined when it sent no such request. */
    async recipientOf(sender: string, requestId: string): Promise<string | undefined> {
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

    /** Takes the oldest queued answer of `requester`, marking it received. */
    async takeOldest(requester: string, keepMs: number): Promise<QueuedAnswer | undefined> {
      const now = Date.now();
      const taken = await run('take-answer-2', queueKeys(requester), ['', '', now, keepMs]);
      if (typeof taken !== 'string') return undefined;
      const [requestId = '', recipient = ''] = taken.split(' ');
      return { requestId, recipient, queuedAtMs: now };
    },

    /** Marks the answer to `requestId` received (it was taken by request ID). */
    async markReceived(requester: string, requestId: string, recipient: string, keepMs: number) {
      await run('take-answer-2', queueKeys(requester), [
        member(requestId, recipient),
        requestId,
        Date.now(),
        keepMs,
      ]);
    },

    /** Puts a taken answer back at the head of the queue: its caller went away. */
    async restore(requester: string, answer: QueuedAnswer) {
      await run('restore-answer-2', queueKeys(requester), [
        member(answer.requestId, answer.recipient),
        answer.requestId,
        0,
      ]);
    },
  };
}
