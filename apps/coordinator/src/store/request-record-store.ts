/**
 * @module Request records: one hash per request with its sender, recipient and state, so any
 * agent's call can find a request by ID alone.
 */
import { type RequestState, RequestStateSchema } from '@c3po/protocol';
import { z } from 'zod';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import type { RunScript } from './script-runner.js';

export const RequestRecordSchema = z.object({
  request_id: z.string(),
  from: z.string(),
  to: z.string(),
  conversation_id: z.string(),
  created_at: z.string(),
  state: RequestStateSchema,
  delivered_at: z.string().optional(),
  response_id: z.string().optional(),
  answered_at: z.string().optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

export type RequestRecordStore = ReturnType<typeof createRequestRecordStore>;

export function createRequestRecordStore(client: RedisClient, run: RunScript, keys: Keys) {
  return {
    /** Creates the record unless it exists; a retried send keeps the state it reached. */
    async create(record: RequestRecord, ttlMs: number): Promise<void> {
      const fields = Object.entries(record).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
      await run('create-record-1', [keys.request(record.request_id)], [ttlMs, ...fields]);
    },

    async get(requestId: string): Promise<RequestRecord | undefined> {
      const hash = await client.hGetAll(keys.request(requestId));
      return Object.keys(hash).length === 0 ? undefined : RequestRecordSchema.parse(hash);
    },

    /**
     * Moves the record to `to` when its state is one of `from`, setting `fields` too.
     * Returns the state it had (undefined: no record); it changed only if that was in `from`.
     */
    async transition(
      requestId: string,
      from: readonly RequestState[],
      to: RequestState,
      fields: Record<string, string>,
      ttlMs?: number,
    ): Promise<RequestState | undefined> {
      const reply = await run(
        'transition-record-1',
        [keys.request(requestId)],
        [from.join(' '), to, ttlMs ?? '', ...Object.entries(fields).flat()],
      );
      return reply === '' ? undefined : RequestStateSchema.parse(reply);
    },
  };
}
