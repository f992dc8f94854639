/**
 * @module Requests: send, list what waits for an agent (for its tools and for its hooks), cancel.
 * A send checks and prepares everything in one parallel round trip (recipient, rate limits, the
 * conversation entry, the sender's index, the deadline index: all harmless without the request),
 * then commits in a second: the inbox entry and the record, atomically, beside the recipient.
 */
import { createHash } from 'node:crypto';
import {
  type DeliveredRequest,
  type PendingResponse,
  PREVIEW_CHARS,
  type Request,
  type ToolInput,
  type ToolOutput,
  utf8ByteLength,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import { requestToFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import type { FullInboxItem } from '../store/inbox-store.js';
import { neverRan } from '../store/redis-errors.js';
import type { AgentsService } from './agents-service.js';
import type { AnswersService } from './answers-service.js';
import type { Background } from './background.js';
import type { Caller } from './caller.js';
import { commitLanded } from './commit-landed.js';
import type { RecordEvents } from './events.js';
import { newId } from './new-id.js';

export interface RequestsConfig {
  retentionMs: number;
  requestTtlSeconds: number;
  sendsPerMinute: number;
  tokenSendsPerMinute: number;
  inboxMaxRequests: number;
  inboxMaxBytes: number;
}

const RATE_WINDOW_MS = 60_000;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The first 200 characters (not UTF-16 units) of a text, without walking all of it. */
const preview = (text: string) =>
  [...text.slice(0, PREVIEW_CHARS * 2)].slice(0, PREVIEW_CHARS).join('');

export const toDelivered = (item: FullInboxItem): DeliveredRequest => ({
  ...item.request,
  expires_at: new Date(item.expiresAtMs).toISOString(),
  delivery_count: item.deliveries,
});

/** The items handed out for the first time: their `delivered` events. */
export const firstDeliveries = (items: readonly FullInboxItem[]) =>
  items.filter((i) => i.deliveries === 1).map((i) => i.request);

/** Settles a rejected promise as its error, so one round trip's results can be read in order. */
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export type RequestsService = ReturnType<typeof createRequestsService>;

export function createRequestsService(
  store: Store,
  agents: AgentsService,
  answers: AnswersService,
  config: RequestsConfig,
  background: Background,
  record: RecordEvents,
) {
  const rateLimited = (who: string, limit: number, resetInMs: number) => {
    const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
    return new AppError(
      'rate_limited',
      `${who} sent ${limit} requests in the last minute, the most allowed; this one was not sent.`,
      {
        hint: `Send it again in ${seconds} seconds. Nothing sent earlier was lost.`,
        retryAfterSeconds: seconds,
      },
    );
  };

  /** A send that may or may not have been stored: the ID tells which, once Redis is back. */
  const unsure = (cause: unknown, rid: string) =>
    new AppError(
      'unavailable',
      `The coordinator cannot reach its Redis store right now, so this request may or may not have been stored (request_id ${rid}).`,
      {
        hint: `Call again in a few seconds. With an idempotency_key, send it again with the same key (it is not sent twice); without one, first call wait_for_response with request_id ${rid} and timeout_seconds 0, and send again only if that request is not found.`,
        retryAfterSeconds: 5,
        cause,
      },
    );

  return {
    async send(
      caller: Caller,
      input: ToolInput<'send_request'>,
    ): Promise<ToolOutput<'send_request'>> {
      const from = caller.agentId;
      const now = Date.now();
      const ttlSeconds = input.expires_in_seconds ?? config.requestTtlSeconds;
      const expiresAtMs = now + ttlSeconds * 1000;
      const request: Request = {
        request_id: newId(now),
        conversation_id: input.conversation_id ?? newId(now),
        from,
        to: input.to,
        message: input.message,
        ...(input.context !== undefined ? { context: input.context } : {}),
        created_at: new Date(now).toISOString(),
      };
      const rid = request.request_id;
      const cid = request.conversation_id;

      // Round trip 1: checks, and writes that mean nothing until the commit.
      const [presence, rate, tokenRate, appended, ...writes] = await Promise.all([
        settle(store.presence.get(input.to, now)),
        settle(store.limits.countSend(from, RATE_WINDOW_MS)),
        settle(
          caller.tokenDigest
            ? store.limits.countTokenSend(caller.tokenDigest, RATE_WINDOW_MS)
            : Promise.resolve(undefined),
        ),
        settle(
          store.conversations.append(
            cid,
            {
              kind: 'request',
              requestId: rid,
              from,
              to: input.to,
              start: input.conversation_id === undefined,
              fields: requestToFields(request),
            },
            config.retentionMs,
          ),
        ),
        settle(store.answers.recordSent(from, rid, input.to, config.retentionMs)),
        settle(store.deadlines.add(input.to, rid, expiresAtMs)),
      ]);
      /** A refused send leaves no trace: its conversation entry, deadline and index go. */
      const undo = () =>
        Promise.all([
          appended.ok ? store.conversations.undoAppend(cid, rid, appended.value) : undefined,
          store.deadlines.remove(input.to, rid),
          store.answers.forgetSent(from, rid),
        ]).catch(() => {});
      const refuse = async (err: unknown): Promise<never> => {
        await undo();
        throw err;
      };
      for (const step of [presence, rate, tokenRate, appended, ...writes])
        if (!step.ok) await refuse(step.error);
      if (!presence.ok || !rate.ok || !tokenRate.ok || !appended.ok) throw new Error('unreachable');

      const recipient = presence.value;
      if (!recipient) return refuse(await agents.unknownAgent(input.to));
      if (appended.value.result === 'absent') {
        return refuse(
          new AppError(
            'not_found',
            `No conversation ${cid} exists (conversations expire after a period of silence).`,
            { hint: 'Omit conversation_id to start a new conversation.' },
          ),
        );
      }
      if (appended.value.result === 'outsider') {
        return refuse(
          new AppError(
            'forbidden',
            `You (${from}) did not take part in conversation ${cid}, so you cannot continue it.`,
            { hint: 'Omit conversation_id to start a new conversation.' },
          ),
        );
      }
      if (rate.value.count > config.sendsPerMinute)
        await refuse(rateLimited(`You (${from})`, config.sendsPerMinute, rate.value.resetInMs));
      if (tokenRate.value && tokenRate.value.count > config.tokenSendsPerMinute)
        await refuse(
          rateLimited('Your token', config.tokenSendsPerMinute, tokenRate.value.resetInMs),
        );

      // Round trip 2: the commit.
      const fingerprint = sha256(
        JSON.stringify([input.to, input.conversation_id, input.message, input.context]),
      );
      const outcome = await store.inbox
        .send({
          request,
          expiresAtMs,
          ttlSeconds,
          preview: preview(input.message),
          bytes: utf8ByteLength(input.message) + utf8ByteLength(input.context ?? ''),
          fingerprint,
          dedupe: input.idempotency_key
            ? {
                digest: sha256(`${from}\n${input.idempotency_key}`).slice(0, 40),
                ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
              }
            : undefined,
          limits: { maxUnanswered: config.inboxMaxRequests, maxBytes: config.inboxMaxBytes },
          recordTtlMs: config.retentionMs,
        })
        .catch(async (err: unknown) => {
          // Without a reply the commit may still have run: undo only what surely did not.
          const landed = neverRan(err) ? false : await commitLanded(store, input.to, rid);
          if (landed === false) return refuse(err);
          if (landed === undefined) throw unsure(err, rid);
          return { outcome: 'sent', request_id: rid, conversation_id: cid } as const;
        });
      if (outcome.outcome === 'inbox_full') {
        await refuse(
          new AppError(
            'inbox_full',
            `${input.to} has ${outcome.unanswered} unanswered requests (${Math.round(outcome.bytes / 1024)} KiB), as many as its inbox holds; this one was not sent.`,
            {
              hint: `Try again later, when ${input.to} has answered some, or ask another agent. Nothing was stored.`,
              retryAfterSeconds: 60,
            },
          ),
        );
      }
      if (outcome.outcome === 'inbox_full') throw new Error('unreachable');
      const status = agents.statusOf(recipient, now);
      const result = (state: ToolOutput<'send_request'>['state'], duplicate: boolean) => ({
        request_id: outcome.request_id,
        conversation_id: outcome.conversation_id,
        to: input.to,
        state,
        recipient_status: status,
        expires_at: new Date(expiresAtMs).toISOString(),
        duplicate,
        next: `${status === 'offline' ? `${input.to} is offline; the request waits in its inbox until it is back or expires. ` : ''}Call wait_for_response with request_id ${outcome.request_id} to get the answer.`,
      });
      if (outcome.outcome === 'duplicate') {
        await undo();
        if (outcome.fingerprint !== fingerprint) {
          throw new AppError(
            'conflict',
            `idempotency_key ${JSON.stringify(input.idempotency_key)} was already used for a different request (request_id ${outcome.request_id}).`,
            {
              hint: 'Use a new idempotency_key for a new request; reuse a key only to retry the very same send.',
            },
          );
        }
        const first = await store.requests.get(input.to, outcome.request_id);
        const state = first?.record.state ?? 'queued';
        return {
          ...result(
            state === 'queued' && first?.deliveredAtMs !== undefined ? 'delivered' : state,
            true,
          ),
          expires_at: new Date(first?.record.expires_at ?? expiresAtMs).toISOString(),
        };
      }
      record('sent', [request]);
      background('noting the conversation', () => store.conversations.touch(cid, now));
      return result('queued', false);
    },

    /** Every unanswered request to `agent`, oldest first; listing marks them delivered. */
    async pending(agent: string, limit: number): Promise<ToolOutput<'get_pending_requests'>> {
      const { total, items } = await store.inbox.unanswered(agent, limit, 'deliver', Date.now());
      const full = await store.inbox.withWords(agent, items);
      record('delivered', firstDeliveries(full));
      return { requests: full.map(toDelivered), total };
    },

    /** What hooks show: unanswered requests with previews; changes nothing. */
    async peek(agent: string, limit: number): Promise<PendingResponse> {
      const { total, items } = await store.inbox.unanswered(agent, limit, 'peek', Date.now());
      return {
        count: total,
        requests: items.map(({ request: r, preview: p }) => ({
          request_id: r.request_id,
          from: r.from,
          conversation_id: r.conversation_id,
          preview: p,
          created_at: r.created_at,
        })),
      };
    },

    /** The sender withdraws an unanswered request. */
    async cancel(
      caller: Caller,
      input: ToolInput<'cancel_request'>,
    ): Promise<ToolOutput<'cancel_request'>> {
      const sender = caller.agentId;
      const notFound = () =>
        new AppError(
          'not_found',
          `You (${sender}) sent no request ${input.request_id}, or it is older than the retention period.`,
          { hint: 'Use a request_id that your own send_request returned.' },
        );
      const recipient = await store.answers.recipientOf(sender, input.request_id);
      if (!recipient) throw notFound();
      const record = await answers.cancel(sender, recipient, input.request_id);
      if (!record) throw notFound();
      const next = {
        cancelled: `Cancelled: ${recipient} will not be asked to answer it.`,
        answered: `It was already answered: call wait_for_response with request_id ${input.request_id} to read the answer.`,
        expired: 'It had already expired without an answer.',
        queued: 'It is still open.',
      }[record.state];
      return { request_id: input.request_id, state: record.state, next };
    },
  };
}
