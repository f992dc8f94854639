/**
 * @module Answers: respond, and the error answer of a request given up on. An answer touches the
 * conversation, the request record, the requester's stream and the recipient's inbox; each step is
 * idempotent and they run in an order that a crash anywhere can only delay, never lose: the request
 * stays pending, and answering it again completes the steps that were missed.
 */
import type { RequestState, Response, ToolInput, ToolOutput } from '@c3po/protocol';
import { ulid } from 'ulid';
import { AppError } from '../errors.js';
import { responseToFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import type { InboxItem } from '../store/inbox-store.js';
import type { RequestRecord } from '../store/request-record-store.js';
import { recordRequest } from './request-records.js';

export type AnswersService = ReturnType<typeof createAnswersService>;

export function createAnswersService(store: Store, ttl: number) {
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
    async respond(
      from: string,
      input: ToolInput<'respond_to_request'>,
    ): Promise<ToolOutput<'respond_to_request'>> {
      let record = await store.records.get(input.request_id);
      if (!record) {
        // A send that crashed before writing its record: rebuild it from the inbox.
        const item = await store.inbox.find(from, input.request_id);
        if (item) {
          await recordRequest(store, item.request, ttl);
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
      await recordRequest(store, r, ttl);
      await commitResponse(response, 'expired', async () => {});
      await store.inbox.deadLetter(r.to, item, reason);
    },
  };
}
