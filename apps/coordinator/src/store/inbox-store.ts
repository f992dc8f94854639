/**
 * @module Requests to an agent: the send that commits one to its inbox, and the reads that hand
 * them out through the inbox's consumer group. Entries leave the inbox when their request ends.
 */
import type { Request } from '@c3po/protocol';
import { z } from 'zod';
import {
  luaList,
  parsePointer,
  parseScriptJson,
  requestToPointer,
  ScriptEntriesSchema,
  type ScriptEntry,
  toFields,
} from './codec.js';
import { BELL, CONSUMER, GROUP, type Keys } from './keys.js';
import type { RedisConnections } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** A request as it sits in an inbox: where it is, and how often it was handed out. */
export interface InboxItem {
  entryId: string;
  request: Omit<Request, 'message' | 'context'>;
  expiresAtMs: number;
  preview: string;
  deliveries: number;
}

/** An inbox item with its words read from its record. */
export type FullInboxItem = InboxItem & { request: Request };

const SendOutcomeSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.enum(['sent', 'duplicate']),
    entry_id: z.string(),
    request_id: z.string(),
    conversation_id: z.string(),
    created_at: z.string(),
    fingerprint: z.string(),
  }),
  z.object({ outcome: z.literal('inbox_full'), unanswered: z.number(), bytes: z.number() }),
]);
export type SendOutcome = z.infer<typeof SendOutcomeSchema>;

const ClaimSchema = z.object({
  requests: ScriptEntriesSchema,
  exhausted: ScriptEntriesSchema,
  overdue: ScriptEntriesSchema,
  next_ms: z.number().optional(),
});
const UnansweredSchema = z.object({ total: z.number().int(), requests: luaList(z.unknown()) });

const toItem = (e: ScriptEntry): InboxItem => ({
  entryId: e.id,
  ...parsePointer(e.fields),
  deliveries: e.deliveries,
});

/** What a send stores: the request, its deadline, its record and the inbox limits it must fit. */
export interface SendCommit {
  request: Request;
  expiresAtMs: number;
  ttlSeconds: number;
  preview: string;
  bytes: number;
  fingerprint: string;
  dedupe: { digest: string; ttlSeconds: number } | undefined;
  limits: { maxUnanswered: number; maxBytes: number };
  recordTtlMs: number;
}

export type InboxStore = ReturnType<typeof createInboxStore>;

export function createInboxStore(redis: RedisConnections, run: RunScript, keys: Keys) {
  return {
    /** Commits a send (the inbox entry and the record), or says why not. */
    async send(c: SendCommit): Promise<SendOutcome> {
      const r = c.request;
      const record = toFields({
        request_id: r.request_id,
        conversation_id: r.conversation_id,
        from: r.from,
        to: r.to,
        created_at: r.created_at,
        expires_at: c.expiresAtMs,
        ttl_seconds: c.ttlSeconds,
        state: 'queued',
        bytes: c.bytes,
        preview: c.preview,
        message: r.message,
        context: r.context,
      });
      const reply = await run(
        'send-4',
        [
          keys.inbox(r.to),
          keys.request(r.to, r.request_id),
          keys.idempotency(r.to, c.dedupe?.digest ?? '-'),
          keys.inboxBytes(r.to),
        ],
        [
          GROUP,
          c.dedupe?.ttlSeconds ?? 0,
          c.fingerprint,
          keys.bell(r.to),
          BELL.request,
          c.limits.maxUnanswered,
          c.limits.maxBytes,
          c.bytes,
          c.recordTtlMs,
          record.length,
          ...record,
          ...requestToPointer(r, c.expiresAtMs, c.preview),
        ],
      );
      return parseScriptJson(SendOutcomeSchema, reply);
    },

    /**
     * Hands out redeliverable then new requests; over-delivered ones come back as `exhausted` and
     * ones past their deadline as `overdue`, for the caller to end.
     */
    async claim(
      agent: string,
      opts: { count: number; minIdleMs: number; maxDeliveries: number; nowMs: number },
    ) {
      const reply = await run(
        'claim-requests-2',
        [keys.inbox(agent), keys.delivered(agent)],
        [GROUP, CONSUMER, opts.minIdleMs, opts.count, opts.maxDeliveries, opts.nowMs],
      );
      const { requests, exhausted, overdue, next_ms } = parseScriptJson(ClaimSchema, reply);
      return {
        requests: requests.map(toItem),
        exhausted: exhausted.map(toItem),
        overdue: overdue.map(toItem),
        /** When nothing was handed out: in how many ms a delivered request becomes redeliverable. */
        nextRedeliveryInMs: next_ms,
      };
    },

    /** Undoes a claim for a caller that went away: counts restored, redeliverable at once. */
    async release(agent: string, items: readonly InboxItem[], idleMs: number): Promise<void> {
      if (items.length === 0) return;
      const args = items.flatMap((i) => [i.entryId, i.deliveries - 1, i.request.request_id]);
      await run(
        'release-requests-2',
        [keys.inbox(agent), keys.delivered(agent)],
        [GROUP, CONSUMER, idleMs, ...args],
      );
    },

    /**
     * Unanswered requests, oldest first, and how many there are. `deliver` marks the listed new
     * ones delivered; `peek` changes nothing (deliveries 0 = never delivered).
     */
    async unanswered(agent: string, limit: number, mode: 'deliver' | 'peek', nowMs: number) {
      const reply = await run(
        'read-unanswered-2',
        [keys.inbox(agent), keys.delivered(agent)],
        [GROUP, CONSUMER, limit, mode, nowMs],
      );
      const { total, requests } = parseScriptJson(UnansweredSchema, reply);
      const entries = ScriptEntriesSchema.parse(requests);
      return { total, items: entries.map(toItem) };
    },

    /**
     * The items with their words, read from their records in one parallel round trip. An item
     * whose request ended meanwhile (its words are gone from the record) is left out.
     */
    async withWords(agent: string, items: readonly InboxItem[]): Promise<FullInboxItem[]> {
      const words = await Promise.all(
        items.map((i) => {
          const key = keys.request(agent, i.request.request_id);
          return redis.call(key, 'HMGET', key, 'message', 'context');
        }),
      );
      return items.flatMap((item, n) => {
        const [message, context] = (words[n] as (string | null)[] | undefined) ?? [];
        if (typeof message !== 'string') return [];
        return [
          {
            ...item,
            request: {
              ...item.request,
              message,
              ...(typeof context === 'string' ? { context } : {}),
            },
          },
        ];
      });
    },

    /** How many requests wait in each agent's inbox (one parallel round trip). */
    async depths(agents: readonly string[]): Promise<number[]> {
      return Promise.all(
        agents.map(async (a) => Number(await redis.call(keys.inbox(a), 'XLEN', keys.inbox(a)))),
      );
    },
  };
}
