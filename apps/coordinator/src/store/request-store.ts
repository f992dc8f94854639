/**
 * @module Request records: one hash per request, beside its recipient's inbox, with its sender,
 * state, deadline and answer. Answering and ending a request change the record and take the
 * request out of the inbox in one step.
 */
import { z } from 'zod';
import { fieldsToRecord, parseScriptJson, ScriptHashSchema, toFields } from './codec.js';
import { BELL, GROUP, type Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** A request record as stored (see `send-4.lua`, `respond-4.lua`, `end-request-5.lua`). */
export const RequestRecordSchema = z.object({
  request_id: z.string(),
  conversation_id: z.string(),
  from: z.string(),
  to: z.string(),
  created_at: z.string(),
  expires_at: z.coerce.number(),
  state: z.enum(['queued', 'answered', 'expired', 'cancelled']),
  preview: z.string().default(''),
  /** When a tool result of the recipient first contained it (ms), once it ended. */
  delivered_at: z.coerce.number().optional(),
  response_id: z.string().optional(),
  response: z.string().optional(),
  status: z.enum(['success', 'error', 'declined']).optional(),
  answered_at: z.string().optional(),
  ended_at: z.string().optional(),
  reason: z.string().optional(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;
/** The record's fields, `request_id` first (absent: no record). */
const RECORD_FIELDS = Object.keys(RequestRecordSchema.shape);

const RecordReplySchema = z.object({
  result: z.string(),
  record: ScriptHashSchema.optional(),
});

/** A script's verdict and the record as it is now (absent when there is none). */
export interface RecordChange<R extends string> {
  result: R;
  record: RequestRecord | undefined;
}

function parseChange<R extends string>(reply: unknown): RecordChange<R> {
  const { result, record } = parseScriptJson(RecordReplySchema, reply);
  const parsed =
    record && Object.keys(record).length > 0 ? RequestRecordSchema.parse(record) : undefined;
  return { result: result as R, record: parsed };
}

/** The answer stored with a request. */
export interface StoredAnswer {
  response_id: string;
  response: string;
  status: 'success' | 'error' | 'declined';
  answered_at: string;
}

export type RequestStore = ReturnType<typeof createRequestStore>;

export function createRequestStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  const endKeys = (agent: string, requestId: string) => [
    keys.request(agent, requestId),
    keys.inbox(agent),
    keys.inboxBytes(agent),
    keys.delivered(agent),
  ];

  return {
    /** The record of a request to `agent` (not its words), and when it was first delivered. */
    async get(
      agent: string,
      requestId: string,
    ): Promise<{ record: RequestRecord; deliveredAtMs: number | undefined } | undefined> {
      const key = keys.request(agent, requestId);
      const [values, delivered] = await Promise.all([
        redis.call(key, 'HMGET', key, ...RECORD_FIELDS),
        redis.call(keys.delivered(agent), 'HGET', keys.delivered(agent), requestId),
      ]);
      const list = Array.isArray(values) ? values : [];
      if (list[0] === null || list[0] === undefined) return undefined;
      const hash: Record<string, string> = {};
      RECORD_FIELDS.forEach((f, i) => {
        if (typeof list[i] === 'string') hash[f] = list[i] as string;
      });
      return {
        record: RequestRecordSchema.parse(hash),
        deliveredAtMs:
          delivered === null || delivered === undefined ? undefined : Number(delivered),
      };
    },

    /** Stores the answer to a request to `agent`, once (the same answer again is a `duplicate`). */
    async respond(agent: string, requestId: string, answer: StoredAnswer, ttlMs: number) {
      const reply = await run('respond-4', endKeys(agent, requestId), [
        GROUP,
        Date.now(),
        ttlMs,
        keys.bell(agent),
        BELL.done(requestId),
        ...toFields({ ...answer }),
      ]);
      return parseChange<
        'answered' | 'duplicate' | 'conflict' | 'expired' | 'cancelled' | 'overdue' | 'not_found'
      >(reply);
    },

    /**
     * Ends an unanswered request to `agent` without an answer from it: `cancel` (only by its
     * sender `by`), `expire` (only once its deadline passed) or `dead_letter`. `fields` are set
     * with the new state: `ended_at`, `reason` and, except for a cancel, the error answer.
     */
    async end(
      agent: string,
      requestId: string,
      opts: {
        mode: 'cancel' | 'expire' | 'dead_letter';
        by?: string;
        deliveries?: number;
        fields: Record<string, string>;
        ttlMs: number;
        deadLetterMaxLength: number;
      },
    ) {
      const reply = await run(
        'end-request-5',
        [...endKeys(agent, requestId), keys.deadLetters(agent)],
        [
          GROUP,
          opts.mode,
          opts.by ?? '',
          Date.now(),
          opts.ttlMs,
          keys.bell(agent),
          BELL.done(requestId),
          opts.deadLetterMaxLength,
          opts.deliveries ?? 0,
          ...toFields(opts.fields),
        ],
      );
      return parseChange<'ended' | 'not_due' | 'not_found' | 'answered' | 'expired' | 'cancelled'>(
        reply,
      );
    },

    /** The most recent dead-lettered (expired or over-delivered) requests to `agent`, newest first. */
    async deadLetters(agent: string, count: number): Promise<Record<string, string>[]> {
      const key = keys.deadLetters(agent);
      const reply = await redis.call(key, 'XREVRANGE', key, '+', '-', 'COUNT', count);
      return (Array.isArray(reply) ? reply : []).map((e) =>
        fieldsToRecord((e as [string, string[]])[1]),
      );
    },
  };
}
