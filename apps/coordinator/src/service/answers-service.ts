/**
 * @module Answers and ends: respond, and the three ways a request ends without an answer from its
 * recipient (cancelled, expired, dead-lettered). The change of state is one step beside the
 * recipient's inbox (the commit point); what follows it (the requester's queue, the conversation,
 * the deadline index) is started at once, is idempotent, and is completed again if the process
 * dies first: by a retried answer, or by the expiry sweep within SETTLE_WITHIN_MS.
 */
import type { Response, ToolInput, ToolOutput } from '@c3po/protocol';
import { AppError } from '../errors.js';
import { toFields } from '../store/codec.js';
import type { Store } from '../store/create-store.js';
import type { RecordChange, RequestRecord, StoredAnswer } from '../store/request-store.js';
import type { Background } from './background.js';
import type { RecordEvents, RequestEvent } from './events.js';
import { newId } from './new-id.js';

/** Dead-lettered requests kept per agent (about). */
const DEAD_LETTER_MAX = 1_000;
/**
 * With each change of state, the request's deadline entry is brought this close, so that if the
 * process dies before completing what follows, the sweep completes it by then.
 */
export const SETTLE_WITHIN_MS = 5_000;

/** The answer (or error answer) stored with a record, as the requester receives it. */
export function responseOf(r: RequestRecord): Response | undefined {
  if (!r.response_id || r.response === undefined || !r.status) return undefined;
  return {
    response_id: r.response_id,
    request_id: r.request_id,
    conversation_id: r.conversation_id,
    from: r.to,
    to: r.from,
    response: r.response,
    status: r.status,
    created_at: r.answered_at ?? r.created_at,
  };
}

/** The error answers of requests that end without an answer from their recipient. */
const ERROR_TEXT = {
  expire: (to: string) =>
    `C3PO: expired: ${to} did not answer within {seconds} s, so the request was set aside and will not be answered. Ask again (perhaps with a longer expires_in_seconds), or ask another agent.`,
  dead_letter: (to: string, deliveries: number) =>
    `C3PO: ${to} received this request ${deliveries} times without answering it, so it was set aside (dead-lettered) and will not be answered. Ask again later, or ask another agent.`,
};

export type AnswersService = ReturnType<typeof createAnswersService>;

export function createAnswersService(
  store: Store,
  config: { retentionMs: number },
  background: Background,
  record: RecordEvents,
) {
  const ttl = config.retentionMs;

  /** Appends the answer, error answer or cancellation of a request to its conversation. */
  const noteInConversation = (r: RequestRecord) => {
    const response = responseOf(r);
    const fields = response
      ? toFields({ type: 'response', ...response, state: r.state })
      : toFields({
          type: 'cancellation',
          request_id: r.request_id,
          conversation_id: r.conversation_id,
          from: r.from,
          to: r.to,
          created_at: r.ended_at ?? new Date().toISOString(),
        });
    return store.conversations.append(
      r.conversation_id,
      { kind: 'answer', requestId: r.request_id, from: r.to, to: r.from, start: false, fields },
      ttl,
    );
  };

  /**
   * Completes what follows the state a request ended in: the requester's queue (which wakes its
   * waits) for an answer or error answer, the conversation, then the deadline index. Idempotent.
   */
  const settle = async (r: RequestRecord) => {
    if (r.state === 'queued') return;
    await Promise.all([
      r.state === 'cancelled' ? undefined : store.answers.deliver(r.from, r.request_id, r.to, ttl),
      noteInConversation(r),
    ]);
    // Last: while the entry is there, the sweep completes what failed above.
    await store.deadlines.remove(r.to, r.request_id);
  };

  /**
   * Settles a change and records its event; the record as it is now. Settling starts at once but
   * is not waited for: the record already holds the outcome (a wait by request ID reads it there),
   * this process's next commands come after it, and if it fails the sweep completes it within
   * SETTLE_WITHIN_MS (the deadline entry was brought that close).
   */
  const finish = (change: RecordChange<string>, type: RequestEvent) => {
    const r = change.record;
    if (!r) return undefined;
    background.now('settling an ended request', () => settle(r));
    // Only the call that changed the state records it (not one that found it changed already).
    if (change.result === (type === 'answered' ? 'answered' : 'ended')) record(type, [r]);
    return r;
  };

  /** Ends a request to `recipient` without an answer from it (see `end-request-5.lua`). */
  const end = async (
    mode: 'cancel' | 'expire' | 'dead_letter',
    recipient: string,
    requestId: string,
    opts: { by?: string; deliveries?: number } = {},
  ) => {
    const now = new Date().toISOString();
    const error: Record<string, string> =
      mode === 'cancel'
        ? {}
        : {
            response_id: newId(),
            status: 'error',
            answered_at: now,
            response:
              mode === 'expire'
                ? ERROR_TEXT.expire(recipient)
                : ERROR_TEXT.dead_letter(recipient, opts.deliveries ?? 0),
          };
    const [change] = await Promise.all([
      store.requests.end(recipient, requestId, {
        mode,
        ...opts,
        ttlMs: ttl,
        deadLetterMaxLength: DEAD_LETTER_MAX,
        fields: {
          ended_at: now,
          reason: mode === 'cancel' ? 'cancelled by its sender' : mode.replace('_', '-'),
          ...error,
        },
      }),
      // The sweep itself expires; the others bring their entry close (see SETTLE_WITHIN_MS).
      mode === 'expire'
        ? undefined
        : store.deadlines.nudge(recipient, requestId, Date.now() + SETTLE_WITHIN_MS),
    ]);
    if (change.result === 'not_due') return change.record;
    const type = (
      { cancel: 'cancelled', expire: 'expired', dead_letter: 'dead_lettered' } as const
    )[mode];
    return finish(change, type);
  };

  return {
    async respond(
      from: string,
      input: ToolInput<'respond_to_request'>,
    ): Promise<ToolOutput<'respond_to_request'>> {
      const answer: StoredAnswer = {
        response_id: newId(),
        response: input.response,
        status: input.status ?? 'success',
        answered_at: new Date().toISOString(),
      };
      const [stored] = await Promise.all([
        store.requests.respond(from, input.request_id, answer, ttl),
        store.deadlines.nudge(from, input.request_id, Date.now() + SETTLE_WITHIN_MS),
      ]);
      let change: RecordChange<string> = stored;
      if (change.result === 'overdue') {
        change = { result: 'expired', record: await end('expire', from, input.request_id) };
      }
      const r = change.record;
      switch (change.result) {
        case 'not_found':
          throw new AppError(
            'not_found',
            `No request ${input.request_id} was sent to you (${from}), or it is older than the retention period.`,
            { hint: 'Use a request_id from get_pending_requests or wait_for_request.' },
          );
        case 'conflict':
          throw new AppError(
            'conflict',
            `Request ${input.request_id} was already answered with another answer (response_id ${r?.response_id}); a request is answered only once.`,
            {
              hint: 'To add something, send a new request in the same conversation (send_request with its conversation_id).',
            },
          );
        case 'expired':
          throw new AppError(
            'expired',
            `Request ${input.request_id} expired before your answer; its sender was told that no answer came.`,
            {
              hint: 'If it still matters, send your answer as a new request to the sender (send_request with the same conversation_id).',
            },
          );
        case 'cancelled':
          throw new AppError(
            'cancelled',
            `Request ${input.request_id} was cancelled by its sender, so it needs no answer any more.`,
            { hint: 'Call get_pending_requests for the requests still waiting for you.' },
          );
        default:
          break;
      }
      if (!r) throw new Error(`respond-4 answered ${change.result} without a record`);
      finish(change, 'answered');
      return {
        response_id: r.response_id ?? answer.response_id,
        request_id: r.request_id,
        conversation_id: r.conversation_id,
        to: r.from,
        duplicate: change.result === 'duplicate',
      };
    },

    /**
     * Ends an overdue request with an error answer for its sender ("expired: … did not answer
     * within N s"). Safe from any replica, any number of times: the state changes once, and what
     * follows it is completed every time. Returns the record as it is now.
     */
    expire: (recipient: string, requestId: string) => end('expire', recipient, requestId),

    /** Gives up on a request delivered too often: its sender gets an error answer instead of silence. */
    deadLetter: (recipient: string, requestId: string, deliveries: number) =>
      end('dead_letter', recipient, requestId, { deliveries }),

    /** The sender withdraws its request; undefined when `sender` sent no such request to `recipient`. */
    cancel: (sender: string, recipient: string, requestId: string) =>
      end('cancel', recipient, requestId, { by: sender }),

    /** Completes what follows an ended request's state (after a crash); idempotent. */
    settle,
  };
}
