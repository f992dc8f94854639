/**
 * @module Requests: send (see send-request.ts), list what waits for an agent (for its tools and
 * for its hooks), cancel.
 */
import type { DeliveredRequest, PendingResponse, ToolInput, ToolOutput } from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import type { FullInboxItem } from '../store/inbox-store.js';
import type { AgentsService } from './agents-service.js';
import type { AnswersService } from './answers-service.js';
import type { Background } from './background.js';
import type { Caller } from './caller.js';
import type { RecordEvents } from './events.js';
import { createSend, type SendConfig } from './send-request.js';

export type RequestsConfig = SendConfig;

export const toDelivered = (item: FullInboxItem): DeliveredRequest => ({
  ...item.request,
  expires_at: new Date(item.expiresAtMs).toISOString(),
  delivery_count: item.deliveries,
});

/** The items handed out for the first time: their `delivered` events. */
export const firstDeliveries = (items: readonly FullInboxItem[]) =>
  items.filter((i) => i.deliveries === 1).map((i) => i.request);

export type RequestsService = ReturnType<typeof createRequestsService>;

export function createRequestsService(
  store: Store,
  agents: AgentsService,
  answers: AnswersService,
  config: RequestsConfig,
  background: Background,
  record: RecordEvents,
) {
  return {
    send: createSend(store, agents, config, background, record),

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
