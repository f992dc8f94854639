/**
 * @module The two long waits. Each takes something only while its caller is still there, and gives
 * it back when the result could not be delivered (the caller cancelled, disconnected, or its
 * connection closed before the result was written): nothing is consumed for a caller that is gone.
 */
import {
  type AgentStatus,
  type RequestState,
  type ToolOutput,
  WAIT_DEFAULT_SECONDS,
  WAIT_MAX_SECONDS,
} from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import { BELL } from '../store/keys.js';
import type { RequestRecord } from '../store/request-store.js';
import type { AgentsService } from './agents-service.js';
import { type AnswersService, responseOf } from './answers-service.js';
import type { Background } from './background.js';
import type { Caller } from './caller.js';
import type { RecordEvents } from './events.js';
import { firstDeliveries, toDelivered } from './requests-service.js';
import { type CheckResult, waitLoop } from './wait-loop.js';
import type { WaitRegistry } from './wait-registry.js';

export interface WaitsConfig {
  safetyPollMs: number;
  redeliverAfterMs: number;
  maxDeliveries: number;
  /** How long an agent's received answers are remembered (so that none is queued twice). */
  receivedKeepMs: number;
}

export interface WaitOptions {
  timeoutSeconds: number | undefined;
  /** Aborted when the caller cancels or disconnects. */
  signal: AbortSignal;
  /**
   * Registers what to do once it is known whether the result reached the client (the adapter
   * calls it then). Without it, the result counts as delivered when returned.
   */
  onSettled?: (settle: (delivered: boolean) => Promise<void>) => void;
}

/**
 * An answer handed to a wait stays hidden this long while its result is on its way; if the
 * coordinator dies before it learns the result arrived, the answer is available again after it.
 */
export const ANSWER_HOLD_MS = 5_000;
/** Requests handed out by one wait_for_request. */
const CLAIM_BATCH = 10;
/** What a wait tells the caller to do when the coordinator is stopping. */
const RESTART_RETRY_SECONDS = 5;

function timing(timeoutSeconds: number | undefined) {
  const requested = timeoutSeconds ?? WAIT_DEFAULT_SECONDS;
  const applied = Math.min(requested, WAIT_MAX_SECONDS);
  return { appliedMs: applied * 1000, applied, capped: requested > WAIT_MAX_SECONDS };
}

export type WaitsService = ReturnType<typeof createWaitsService>;

export function createWaitsService(
  store: Store,
  deps: { agents: AgentsService; answers: AnswersService; registry: WaitRegistry },
  config: WaitsConfig,
  background: Background,
  record: RecordEvents,
) {
  const { agents, answers, registry } = deps;
  let stopping = false;
  /** The open waits, so that stop() can end them all. */
  const open = new Set<AbortController>();

  /** Runs one wait on `channel`'s bell: the loop, the timing fields, the "retry" during shutdown. */
  const run = async <T>(
    caller: Caller,
    kind: 'request' | 'response',
    bellOn: { agent: string; message: string },
    opts: WaitOptions,
    check: (signal: AbortSignal) => Promise<CheckResult<T>>,
  ) => {
    const { appliedMs, applied, capped } = timing(opts.timeoutSeconds);
    const started = Date.now();
    const wait = await registry.open(caller, kind);
    const linked = new AbortController();
    const abort = () => linked.abort();
    if (opts.signal.aborted || stopping) abort();
    opts.signal.addEventListener('abort', abort, { once: true });
    open.add(linked);
    const bell = store.doorbell.listen(bellOn.agent, bellOn.message);
    let found: T | undefined;
    try {
      found = await waitLoop({
        bell,
        deadlineMs: started + appliedMs,
        signal: linked.signal,
        pollMs: config.safetyPollMs,
        check: () => check(linked.signal),
      });
    } finally {
      bell.close();
      opts.signal.removeEventListener('abort', abort);
      open.delete(linked);
      wait.close();
    }
    const base = {
      waited_seconds: Math.round((Date.now() - started) / 100) / 10,
      timeout_applied_seconds: applied,
      ...(capped ? { capped: true } : {}),
    };
    if (found !== undefined) return { found, base };
    if (stopping && !opts.signal.aborted) {
      return {
        found: undefined,
        base: {
          ...base,
          status: 'retry' as const,
          retry_after_seconds: RESTART_RETRY_SECONDS,
          next: `The coordinator is restarting. Call again in ${RESTART_RETRY_SECONDS} seconds; nothing was lost.`,
        },
      };
    }
    return { found: undefined, base: { ...base, status: 'timeout' as const } };
  };

  /** The result of a wait that found an ended request (answered, expired or cancelled). */
  const ended = (r: RequestRecord) => {
    const response = responseOf(r);
    const status = { answered: 'received', expired: 'expired', cancelled: 'cancelled' } as const;
    return {
      status: status[r.state === 'queued' ? 'answered' : r.state],
      ...(response ? { response } : {}),
      request_id: r.request_id,
      request_state: r.state,
      ...(r.state === 'cancelled'
        ? { next: 'You cancelled this request; it will not be answered.' }
        : {}),
    };
  };

  return {
    async forRequest(caller: Caller, opts: WaitOptions): Promise<ToolOutput<'wait_for_request'>> {
      const agent = caller.agentId;
      const { found, base } = await run(
        caller,
        'request',
        { agent, message: BELL.request },
        opts,
        async (signal) => {
          const claim = await store.inbox.claim(agent, {
            count: CLAIM_BATCH,
            minIdleMs: config.redeliverAfterMs,
            maxDeliveries: config.maxDeliveries,
            nowMs: Date.now(),
          });
          for (const item of claim.exhausted)
            background('dead-lettering a request', () =>
              answers.deadLetter(agent, item.request.request_id, item.deliveries),
            );
          for (const item of claim.overdue)
            background('expiring a request', () => answers.expire(agent, item.request.request_id));
          if (claim.requests.length === 0) return { recheckInMs: claim.nextRedeliveryInMs };
          const items = await store.inbox.withWords(agent, claim.requests);
          if (signal.aborted || items.length === 0) {
            await store.inbox.release(agent, items, config.redeliverAfterMs);
            return {};
          }
          return { found: items };
        },
      );
      if (found) {
        opts.onSettled?.(async (delivered) => {
          if (!delivered) await store.inbox.release(agent, found, config.redeliverAfterMs);
        });
        record('delivered', firstDeliveries(found));
        return { status: 'received', requests: found.map(toDelivered), ...base };
      }
      return {
        next: 'No request arrived in time. Call wait_for_request again to keep listening.',
        ...base,
      };
    },

    async forResponse(
      caller: Caller,
      requestId: string | undefined,
      opts: WaitOptions,
    ): Promise<ToolOutput<'wait_for_response'>> {
      const agent = caller.agentId;
      if (requestId === undefined) {
        const { found, base } = await run(
          caller,
          'response',
          { agent, message: BELL.answer },
          opts,
          async (signal) => {
            const { taken, nextMs } = await store.answers.lease(agent, ANSWER_HOLD_MS);
            // Held by another wait: look again when its hold ends (nothing rings then).
            if (!taken) return nextMs === undefined ? {} : { recheckInMs: nextMs - Date.now() };
            const received = () =>
              store.answers.markReceived(
                agent,
                taken.requestId,
                taken.recipient,
                config.receivedKeepMs,
              );
            const got = await store.requests.get(taken.recipient, taken.requestId);
            // An answer whose record is gone (past retention) is dropped.
            if (!got) {
              await received();
              return { recheckInMs: 0 };
            }
            if (signal.aborted) {
              await store.answers.restore(agent, taken);
              return {};
            }
            const settle = (delivered: boolean) =>
              delivered ? received() : store.answers.restore(agent, taken);
            if (opts.onSettled) opts.onSettled(settle);
            else background.now('taking an answer', received);
            return { found: got.record };
          },
        );
        if (found) return { ...ended(found), ...base };
        return { next: 'No answer arrived in time. Call wait_for_response again.', ...base };
      }

      const recipient = await store.answers.recipientOf(agent, requestId);
      const notFound = () =>
        new AppError(
          'not_found',
          `You (${agent}) sent no request ${requestId}, or it is older than the retention period.`,
          { hint: 'Use the request_id that your send_request returned, or omit request_id.' },
        );
      if (!recipient) throw notFound();
      let last: { state: RequestState; expiresAtMs: number } | undefined;
      const { found, base } = await run(
        caller,
        'response',
        { agent: recipient, message: BELL.done(requestId) },
        opts,
        async () => {
          const got = await store.requests.get(recipient, requestId);
          if (!got) throw notFound();
          let r = got.record;
          if (r.state === 'queued' && r.expires_at <= Date.now()) {
            r = (await answers.expire(recipient, requestId)) ?? r;
          }
          if (r.state === 'queued') {
            last = {
              state: got.deliveredAtMs === undefined ? 'queued' : 'delivered',
              expiresAtMs: r.expires_at,
            };
            return { recheckInMs: Math.max(r.expires_at - Date.now(), 0) + 50 };
          }
          return { found: r };
        },
      );
      if (found) {
        if (found.state !== 'cancelled')
          background.now('marking an answer received', () =>
            store.answers.markReceived(agent, requestId, recipient, config.receivedKeepMs),
          );
        return { ...ended(found), ...base };
      }
      const state = last?.state ?? 'queued';
      const status: AgentStatus = await store.presence
        .get(recipient, Date.now())
        .then((p) => (p ? agents.statusOf(p, Date.now()) : 'offline'))
        .catch(() => 'offline' as const);
      const gone =
        status === 'offline'
          ? ` ${recipient} is offline: it may not answer soon; stop waiting unless your human wants you to, or cancel_request.`
          : '';
      return {
        request_id: requestId,
        request_state: state,
        recipient_status: status,
        next: `${state === 'queued' ? `${recipient} has not seen the request yet.` : `${recipient} has the request and has not answered yet.`}${gone} Call wait_for_response again with request_id ${requestId} to keep waiting.`,
        ...base,
      };
    },

    /** Ends every open wait with a "retry" result (on SIGTERM). */
    stop(): void {
      stopping = true;
      registry.stop();
      for (const wait of open) wait.abort();
    },

    isStopping: () => stopping,

    /** Waits open on this process. */
    openCount: () => registry.count(),
  };
}
