/**
 * @module Requests and responses: send, answer, list. A send or an answer touches several records
 * (inbox, request record, conversation, response stream); each step is idempotent and they run in
 * an order that a crash anywhere can only delay, never lose: an unanswered request stays pending
 * and comes back, and answering it again completes the steps that were missed.
 */
import { createHash } from 'node:crypto';
import {
  type DeliveredRequest,
  type PendingResponse,
  PREVIEW_CHARS,
  type Request,
  type RequestState,
  type Response,
  type ToolInput,
  type ToolOutput,
} from '@c3po/protocol';
import { ulid } from 'ulid';
import { AppError } from '../errors.js';
import { requestToFields, responseToFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import type { InboxItem } from '../store/inbox-store.js';
import type { RequestRecord } from '../store/request-record-store.js';
import type { AgentsService } from './agents-service.js';

export interface RequestsConfig {
  retentionMs: number;
  /** Sends one agent may make per minute. */
  sendsPerMinute: number;
}

const RATE_WINDOW_MS = 60_000;

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const toDelivered = (item: InboxItem): DeliveredRequest => ({
  ...item.request,
  delivery_count: item.deliveries,
});

export type RequestsService = ReturnType<typeof createRequestsService>;

export function createRequestsService(store: Store, agents: AgentsService, config: RequestsConfig) {
  const ttl = config.retentionMs;

  /** Writes the request record and the conversation entry of a request already in an inbox. */
  const recordRequest = async (r: Request) => {
    const { idempotency_key: _key, ...shown } = r;
    await Promise.all([
      store.conversations.append(
        r.conversation_id,
        `request:${r.request_id}`,
        [r.from, r.to],
        requestToFields(shown),
        ttl,
      ),
      store.records.create(
        {
          request_id: r.request_id,
          from: r.from,
          to: r.to,
          conversation_id: r.conversation_id,
          created_at: r.created_at,
          state: 'queued',
        },
        ttl,
      ),
    ]);
  };

  /**
   * Everything after the conversation entry: the record, the requester's stream (which wakes it)
   * and `finish` (the ack that takes the request out of its recipient's pending list). Each step is
   * idempotent; they go out in one round trip and run in this order on the one connection.
   */
  const deliverAnswer = (response: Response, state: RequestState, finish: () => Promise<void>) =>
    Promise.all([
      store.records.transition(
        response.request_id,
        ['queued', 'delivered'],
        state,
        { response_id: response.response_id, answered_at: response.created_at },
        ttl,
      ),
      store.responses.append(response, Date.now()),
      finish(),
    ]);

  /**
   * Stores `response`: the conversation entry first (it is where a concurrent second answer is
   * caught, and where wait_for_response(request_id) looks), then {@link deliverAnswer}. A crash in
   * between leaves the request pending; answering it again completes the rest. Returns false when
   * another response was there first.
   */
  const commitResponse = async (
    response: Response,
    state: RequestState,
    finish: () => Promise<void>,
  ) => {
    const { duplicate } = await store.conversations.append(
      response.conversation_id,
      `response:${response.request_id}`,
      [response.from, response.to],
      responseToFields(response),
      ttl,
    );
    if (duplicate) return false;
    await deliverAnswer(response, state, finish);
    return true;
  };

  /** Completes the steps after the conversation entry for an answered request (idempotent). */
  const repairAnswered = async (record: RequestRecord) => {
    const response = await store.conversations.response(record.conversation_id, record.request_id);
    const ack = () => store.inbox.ack(record.to, record.request_id);
    if (response) await deliverAnswer(response, 'answered', ack);
    else await ack();
  };

  const alreadyAnswered = (record: RequestRecord) =>
    new AppError(
      'conflict',
      `Request ${record.request_id} was already answered${record.response_id ? ` (response_id ${record.response_id})` : ''}; a request is answered only once.`,
      {
        hint: 'To add something, send a new request in the same conversation (send_request with its conversation_id).',
      },
    );

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
      await recordRequest(stored);
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

    async respond(
      from: string,
      input: ToolInput<'respond_to_request'>,
    ): Promise<ToolOutput<'respond_to_request'>> {
      let record = await store.records.get(input.request_id);
      if (!record) {
        // A send that crashed before writing its record: rebuild it from the inbox.
        const item = await store.inbox.find(from, input.request_id);
        if (item) {
          await recordRequest(item.request);
          record = await store.records.get(input.request_id);
        }
      }
      if (!record) {
        throw new AppError('not_found', `No request ${input.request_id} exists (or it expired).`, {
          hint: 'Use a request_id from get_pending_requests or wait_for_request.',
        });
      }
      if (record.to !== from) {
        throw new AppError(
          'forbidden',
          `Request ${input.request_id} was sent to ${record.to}, not to you (${from}); only ${record.to} can answer it.`,
          {
            hint: 'Call get_pending_requests to see the requests sent to you.',
          },
        );
      }
      if (record.state === 'answered' || record.state === 'expired') {
        await repairAnswered(record);
        throw alreadyAnswered(record);
      }
      const response: Response = {
        response_id: ulid(),
        request_id: record.request_id,
        conversation_id: record.conversation_id,
        from,
        to: record.from,
        response: input.response,
        status: input.status ?? 'success',
        created_at: new Date().toISOString(),
      };
      const committed = await commitResponse(response, 'answered', () =>
        store.inbox.ack(from, record.request_id),
      );
      if (!committed) {
        const latest = (await store.records.get(record.request_id)) ?? record;
        await repairAnswered(latest);
        throw alreadyAnswered(latest);
      }
      return {
        response_id: response.response_id,
        request_id: response.request_id,
        conversation_id: response.conversation_id,
        to: response.to,
      };
    },

    /**
     * Gives up on a request delivered too often: its sender gets an error response instead of
     * silence, then it moves to the dead-letter stream.
     */
    async expire(item: InboxItem): Promise<void> {
      const r = item.request;
      const reason = `${r.to} received this request ${item.deliveries} times without answering it`;
      const response: Response = {
        response_id: ulid(),
        request_id: r.request_id,
        conversation_id: r.conversation_id,
        from: r.to,
        to: r.from,
        status: 'error',
        response: `C3PO: ${reason}, so it was set aside (dead-lettered) and will not be answered. Ask again later, or ask another agent.`,
        created_at: new Date().toISOString(),
      };
      await recordRequest(r);
      await commitResponse(response, 'expired', async () => {});
      await store.inbox.deadLetter(r.to, item, reason);
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

/** Records that the recipient has seen these requests (a tool result of theirs contained them). */
export async function markDelivered(store: Store, items: readonly InboxItem[]): Promise<void> {
  const at = new Date().toISOString();
  await Promise.all(
    items.map((i) =>
      store.records.transition(i.request.request_id, ['queued'], 'delivered', { delivered_at: at }),
    ),
  );
}
