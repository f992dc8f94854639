/** @module Requests to an agent: its inbox stream, read through a consumer group. */
import type { Request } from '@c3po/protocol';
import { z } from 'zod';
import {
  parseRequest,
  parseScriptJson,
  requestToFields,
  ScriptEntriesSchema,
  type ScriptEntry,
} from './codec.js';
import { BELL, CONSUMER, GROUP, type Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import type { RunScript } from './script-runner.js';

/** A request as it sits in an inbox: where it is, and how often it was handed out. */
export interface InboxItem {
  entryId: string;
  request: Request;
  deliveries: number;
}

export interface SendOutcome {
  duplicate: boolean;
  entryId: string;
  requestId: string;
  conversationId: string;
  createdAt: string;
  fingerprint: string;
}

const SendOutcomeSchema = z
  .object({
    duplicate: z.boolean(),
    entry_id: z.string(),
    request_id: z.string(),
    conversation_id: z.string(),
    created_at: z.string(),
    fingerprint: z.string(),
  })
  .transform((o) => ({
    duplicate: o.duplicate,
    entryId: o.entry_id,
    requestId: o.request_id,
    conversationId: o.conversation_id,
    createdAt: o.created_at,
    fingerprint: o.fingerprint,
  }));

const ClaimSchema = z.object({
  requests: ScriptEntriesSchema,
  exhausted: ScriptEntriesSchema,
  next_ms: z.number().optional(),
});
const UnansweredSchema = z.object({ total: z.number().int(), requests: ScriptEntriesSchema });

const toItem = (e: ScriptEntry): InboxItem => ({
  entryId: e.id,
  request: parseRequest(e.fields),
  deliveries: e.deliveries,
});

export type InboxStore = ReturnType<typeof createInboxStore>;

export function createInboxStore(client: RedisClient, run: RunScript, keys: Keys) {
  return {
    /**
     * Appends `request` to its recipient's inbox; with an idempotency digest, a second append with
     * the same digest returns the first one instead.
     */
    async append(
      request: Request,
      dedupe: { digest: string; ttlSeconds: number } | undefined,
      fingerprint: string,
    ): Promise<SendOutcome> {
      const to = request.to;
      const reply = await run(
        'send-3',
        [keys.inbox(to), keys.inboxIndex(to), keys.idempotency(to, dedupe?.digest ?? '-')],
        [
          GROUP,
          dedupe?.ttlSeconds ?? 0,
          fingerprint,
          keys.bell(to),
          BELL.request,
          ...requestToFields(request),
        ],
      );
      return parseScriptJson(SendOutcomeSchema, reply);
    },

    /**
     * Hands out redeliverable then new requests; over-delivered ones come back as `exhausted`.
     */
    async claim(agent: string, opts: { count: number; minIdleMs: number; maxDeliveries: number }) {
      const reply = await run(
        'claim-requests-1',
        [keys.inbox(agent)],
        [GROUP, CONSUMER, opts.minIdleMs, opts.count, opts.maxDeliveries],
      );
      const { requests, exhausted, next_ms } = parseScriptJson(ClaimSchema, reply);
      return {
        requests: requests.map(toItem),
        exhausted: exhausted.map(toItem),
        /** When nothing was handed out: in how many ms a delivered request becomes redeliverable. */
        nextRedeliveryInMs: next_ms,
      };
    },

    /** Undoes a claim for a caller that went away: counts restored, redeliverable at once. */
    async release(agent: string, items: readonly InboxItem[], idleMs: number): Promise<void> {
      if (items.length === 0) return;
      const args = items.flatMap((i) => [i.entryId, i.deliveries - 1]);
      await run('release-requests-1', [keys.inbox(agent)], [GROUP, CONSUMER, idleMs, ...args]);
    },

    /**
     * Unanswered requests, oldest first. `deliver` marks the listed new ones delivered; `peek`
     * changes nothing (deliveries 0 = never delivered).
     */
    async unanswered(agent: string, limit: number, mode: 'deliver' | 'peek') {
      const reply = await run(
        'read-unanswered-1',
        [keys.inbox(agent)],
        [GROUP, CONSUMER, limit, mode],
      );
      const { total, requests } = parseScriptJson(UnansweredSchema, reply);
      return { total, items: requests.map(toItem) };
    },

    /** The inbox entry of an unanswered request, by request ID. */
    async find(agent: string, requestId: string): Promise<InboxItem | undefined> {
      const entryId = await client.hGet(keys.inboxIndex(agent), requestId);
      if (!entryId) return undefined;
      const [entry] = (await client.xRange(keys.inbox(agent), entryId, entryId)) ?? [];
      if (!entry) return undefined;
      return { entryId, request: parseRequest(entry.message), deliveries: 0 };
    },

    /** Marks a request answered for its recipient (idempotent). */
    async ack(agent: string, requestId: string): Promise<void> {
      await run('ack-request-2', [keys.inbox(agent), keys.inboxIndex(agent)], [GROUP, requestId]);
    },

    /** Moves an over-delivered request to the dead-letter stream (idempotent). */
    async deadLetter(agent: string, item: InboxItem, reason: string): Promise<void> {
      await run(
        'dead-letter-3',
        [keys.inbox(agent), keys.inboxIndex(agent), keys.deadLetters(agent)],
        [
          GROUP,
          item.entryId,
          item.request.request_id,
          10_000,
          'reason',
          reason,
          'deliveries',
          item.deliveries,
          'inbox_entry',
          item.entryId,
          ...requestToFields(item.request),
        ],
      );
    },

    /** Drops answered requests from the head of the inbox; never an unanswered one. */
    async trim(agent: string): Promise<number> {
      return Number(await run('trim-1', [keys.inbox(agent)], [GROUP, '']));
    },
  };
}
