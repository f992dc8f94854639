/** @module Responses to an agent's requests: its response stream, read through a consumer group. */
import type { Response } from '@c3po/protocol';
import { z } from 'zod';
import { parseResponse, parseScriptJson, responseToFields } from './codec.js';
import { BELL, CONSUMER, GROUP, type Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import type { RunScript } from './script-runner.js';

const ClaimedSchema = z.object({
  id: z.string().optional(),
  fields: z.array(z.string()).optional(),
});

export type ResponseStore = ReturnType<typeof createResponseStore>;

export function createResponseStore(client: RedisClient, run: RunScript, keys: Keys) {
  return {
    /** Delivers `response` to its requester once per request, and wakes the requester's waiters. */
    async append(response: Response, nowMs: number): Promise<boolean> {
      const to = response.to;
      const reply = await run(
        'append-response-2',
        [keys.responses(to), keys.responseIndex(to)],
        [
          GROUP,
          response.request_id,
          nowMs,
          keys.bell(to),
          BELL.response,
          ...responseToFields(response),
        ],
      );
      return Number(reply) === 1;
    },

    /** The oldest response the agent has not received yet; it stays pending until {@link ack}. */
    async claimNext(agent: string): Promise<{ entryId: string; response: Response } | undefined> {
      const reply = await run(
        'claim-response-2',
        [keys.responses(agent), keys.received(agent)],
        [GROUP, CONSUMER, 10],
      );
      const { id, fields } = parseScriptJson(ClaimedSchema, reply);
      return id && fields ? { entryId: id, response: parseResponse(fields) } : undefined;
    },

    async ack(agent: string, entryId: string): Promise<void> {
      await client.xAck(keys.responses(agent), GROUP, entryId);
    },

    /** Records that the agent got this request's response by ID, so it is not handed out again. */
    async markReceived(agent: string, requestId: string, nowMs: number): Promise<void> {
      await client.zAdd(keys.received(agent), { score: nowMs, value: requestId });
    },

    /** Drops delivered responses, and bookkeeping older than `olderThanMs`. */
    async trim(agent: string, olderThanMs: number): Promise<number> {
      const [removed] = await Promise.all([
        run('trim-1', [keys.responses(agent)], [GROUP, `${olderThanMs}-0`]),
        client.zRemRangeByScore(keys.received(agent), '-inf', olderThanMs),
        client.zRemRangeByScore(keys.responseIndex(agent), '-inf', olderThanMs),
      ]);
      return Number(removed);
    },
  };
}
