/** @module Requests: send, and list what waits for an agent (for its tools and for its hooks). */
import { createHash } from 'node:crypto';
import {
  type PendingResponse,
  PREVIEW_CHARS,
  type Request,
  type ToolInput,
  type ToolOutput,
} from '@c3po/protocol';
import { ulid } from 'ulid';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import type { AgentsService } from './agents-service.js';
import { markDelivered, recordRequest, toDelivered } from './request-records.js';

export interface RequestsConfig {
  retentionMs: number;
  /** Sends one agent may make per minute. */
  sendsPerMinute: number;
}

const RATE_WINDOW_MS = 60_000;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export type RequestsService = ReturnType<typeof createRequestsService>;

export function createRequestsService(store: Store, agents: AgentsService, config: RequestsConfig) {
  return {
    async send(
      from: string,
      input: ToolInput<'send_request'>,
    ): Promise<ToolOutput<'send_request'>> {
      const [recipientStatus, membership] = await Promise.all([
        agents.requireKnown(input.to),
        input.conversation_id
          ? store.conversations.membership(input.conversation_id, from)
          : undefined,
      ]);
      if (membership === 'absent') {
        throw new AppError(
          'not_found',
          `No conversation ${input.conversation_id} exists (conversations expire after a period of silence).`,
          {
            hint: 'Omit conversation_id to start a new conversation.',
          },
        );
      }
      if (membership === 'outsider') {
        throw new AppError(
          'forbidden',
          `You (${from}) did not take part in conversation ${input.conversation_id}, so you cannot continue it.`,
          {
            hint: 'Omit conversation_id to start a new conversation.',
          },
        );
      }
      const rate = await store.limits.countSend(from, RATE_WINDOW_MS);
      if (rate.count > config.sendsPerMinute) {
        const seconds = Math.max(1, Math.ceil(rate.resetInMs / 1000));
        throw new AppError(
          'rate_limited',
          `You (${from}) sent ${config.sendsPerMinute} requests in the last minute, the most allowed; this one was not sent.`,
          {
            hint: `Send it again in ${seconds} seconds. Nothing sent earlier was lost.`,
            retryAfterSeconds: seconds,
          },
        );
      }
      const request: Request = {
        request_id: ulid(),
        conversation_id: input.conversation_id ?? ulid(),
        from,
        to: input.to,
        message: input.message,
        ...(input.context !== undefined ? { context: input.context } : {}),
        created_at: new Date().toISOString(),
        ...(input.idempotency_key !== undefined ? { idempotency_key: input.idempotency_key } : {}),
      };
      const fingerprint = sha256(
        JSON.stringify([input.to, input.conversation_id, input.message, input.context]),
      );
      const dedupe = input.idempotency_key
        ? {
            digest: sha256(`${from}\n${input.idempotency_key}`).slice(0, 40),
            ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
          }
        : undefined;
      const outcome = await store.inbox.append(request, dedupe, fingerprint);
      if (outcome.duplicate && outcome.fingerprint !== fingerprint) {
        throw new AppError(
          'conflict',
          `idempotency_key ${JSON.stringify(input.idempotency_key)} was already used for a different request (request_id ${outcome.requestId}).`,
          {
            hint: 'Use a new idempotency_key for a new request; reuse a key only to retry the very same send.',
          },
        );
      }
      const stored: Request = {
        ...request,
        request_id: outcome.requestId,
        conversation_id: outcome.conversationId,
        created_at: outcome.createdAt,
      };
      await recordRequest(store, stored, config.retentionMs);
      const state = outcome.duplicate
        ? ((await store.records.get(stored.request_id))?.state ?? 'queued')
        : 'queued';
      const offline = recipientStatus === 'offline';
      return {
        request_id: stored.request_id,
        conversation_id: stored.conversation_id,
        to: stored.to,
        state,
        recipient_status: recipientStatus,
        duplicate: outcome.duplicate,
        next: `${offline ? `${stored.to} is offline; the request waits in its inbox until it is back. ` : ''}Call wait_for_response with request_id ${stored.request_id} to get the answer.`,
      };
    },

    /** Every unanswered request to `agent`, oldest first; listing marks them delivered. */
    async pending(agent: string, limit: number): Promise<ToolOutput<'get_pending_requests'>> {
      const { total, items } = await store.inbox.unanswered(agent, limit, 'deliver');
      await markDelivered(store, items);
      return { requests: items.map(toDelivered), total };
    },

    /** What hooks show: unanswered requests with previews; changes nothing. */
    async peek(agent: string, limit: number): Promise<PendingResponse> {
      const { total, items } = await store.inbox.unanswered(agent, limit, 'peek');
      return {
        count: total,
        requests: items.map(({ request: r }) => ({
          request_id: r.request_id,
          from: r.from,
          conversation_id: r.conversation_id,
          preview: [...r.message].slice(0, PREVIEW_CHARS).join(''),
          created_at: r.created_at,
        })),
      };
    },
  };
}
