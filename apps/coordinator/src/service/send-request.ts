/**
 * @module send_request: checks and prepares everything in one parallel round trip (recipient,
 * rate limits, the conversation entry, the sender's index, the deadline index: all harmless without
 * the request), then commits in a second: the inbox entry and the record, atomically, beside the
 * recipient. A refused send undoes what the first round trip wrote; a commit whose reply was lost
 * undoes nothing until Redis says it did not land.
 */
import { createHash } from 'node:crypto';
import {
  PREVIEW_CHARS,
  type Request,
  type ToolInput,
  type ToolOutput,
  utf8ByteLength,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import { requestToFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import { neverRan } from '../store/redis-errors.js';
import type { AgentsService } from './agents-service.js';
import type { Background } from './background.js';
import type { Caller } from './caller.js';
import { commitLanded } from './commit-landed.js';
import type { RecordEvents } from './events.js';
import { newId } from './new-id.js';

export interface SendConfig {
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

/** Settles a rejected promise as its error, so one round trip's results can be read in order. */
const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function createSend(
  store: Store,
  agents: AgentsService,
  config: SendConfig,
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

  return async function send(
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
  };
}
