/**
 * @module The two long waits. Each claims only while its caller is still there: a wait whose
 * caller cancelled or disconnected consumes nothing, and a request claimed in the instant the
 * caller left is given back at once.
 */
import {
  type Response,
  type ToolOutput,
  WAIT_DEFAULT_SECONDS,
  WAIT_MAX_SECONDS,
} from '@c3po/protocol';
import { ulid } from 'ulid';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/create-store.js';
import type { AnswersService } from './answers-service.js';
import { markDelivered, toDelivered } from './request-records.js';
import { type CheckResult, waitLoop } from './wait-loop.js';

export interface WaitsConfig {
  safetyPollMs: number;
  redeliverAfterMs: number;
  maxDeliveries: number;
  waitsPerAgent: number;
}

export interface WaitOptions {
  timeoutSeconds: number | undefined;
  /** Aborted when the caller cancels or disconnects. */
  signal: AbortSignal;
}

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
  answers: AnswersService,
  config: WaitsConfig,
  logger: Logger,
) {
  let stopping = false;
  /** The open waits, so that stop() can end them all. */
  const open = new Set<AbortController>();

  /**
   * Registers the wait (refused past the per-agent limit). While Redis is unreachable the limit
   * cannot be checked, and the wait goes ahead rather than fail: waits ride out outages.
   */
  const register = async (
    agent: string,
    kind: 'request' | 'response',
    waitId: string,
    untilMs: number,
  ) => {
    const started = await store.presence
      .startWait(agent, kind, waitId, { nowMs: Date.now(), untilMs, limit: config.waitsPerAgent })
      .catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'unavailable') return true;
        throw err;
      });
    if (!started) {
      throw new AppError(
        'rate_limited',
        `Agent ${agent} already has ${config.waitsPerAgent} waits open, the most it may have at once.`,
        {
          hint: 'Each wait returns within 90 seconds; let an open one finish (or cancel it) before starting another.',
          retryAfterSeconds: 10,
        },
      );
    }
  };

  /** Runs one wait: the loop, the timing fields, and the "retry" answer during shutdown. */
  const run = async <T>(
    agent: string,
    kind: 'request' | 'response',
    opts: WaitOptions,
    check: (signal: AbortSignal) => Promise<CheckResult<T>>,
  ) => {
    const { appliedMs, applied, capped } = timing(opts.timeoutSeconds);
    const started = Date.now();
    const waitId = ulid();
    await register(agent, kind, waitId, started + appliedMs + 5_000);
    const linked = new AbortController();
    const abort = () => linked.abort();
    if (opts.signal.aborted || stopping) abort();
    opts.signal.addEventListener('abort', abort, { once: true });
    open.add(linked);
    const signal = linked.signal;
    const bell = store.doorbell.listen(agent, kind);
    let found: T | undefined;
    try {
      found = await waitLoop({
        bell,
        deadlineMs: started + appliedMs,
        signal,
        pollMs: config.safetyPollMs,
        check: () => check(signal),
      });
    } finally {
      bell.close();
      opts.signal.removeEventListener('abort', abort);
      open.delete(linked);
      store.presence.stopWait(agent, kind, waitId).catch(() => {});
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

  return {
    async forRequest(agent: string, opts: WaitOptions): Promise<ToolOutput<'wait_for_request'>> {
      const { found, base } = await run(agent, 'request', opts, async (signal) => {
        const {
          requests: items,
          exhausted,
          nextRedeliveryInMs,
        } = await store.inbox.claim(agent, {
          count: CLAIM_BATCH,
          minIdleMs: config.redeliverAfterMs,
          maxDeliveries: config.maxDeliveries,
        });
        for (const item of exhausted) {
          await answers.expire(item).catch((err: unknown) => {
            logger.warn(
              { agent, requestId: item.request.request_id, err: String(err) },
              'dead-lettering failed; will retry',
            );
          });
        }
        if (items.length === 0) return { recheckInMs: nextRedeliveryInMs };
        if (signal.aborted) {
          await store.inbox.release(agent, items, config.redeliverAfterMs);
          return {};
        }
        // Bookkeeping for the sender's request_state; the caller need not wait for it.
        markDelivered(store, items).catch((err: unknown) => {
          logger.debug({ agent, err: String(err) }, 'marking requests delivered failed');
        });
        return { found: items };
      });
      if (found) return { status: 'received', requests: found.map(toDelivered), ...base };
      return {
        next: 'No request arrived in time. Call wait_for_request again to keep listening.',
        ...base,
      };
    },

    async forResponse(
      agent: string,
      requestId: string | undefined,
      opts: WaitOptions,
    ): Promise<ToolOutput<'wait_for_response'>> {
      if (requestId === undefined) {
        const { found, base } = await run(agent, 'response', opts, async (signal) => {
          const claimed = await store.responses.claimNext(agent);
          // Left pending when the caller is gone: the next wait hands it out first.
          if (!claimed || signal.aborted) return {};
          await store.responses.ack(agent, claimed.entryId);
          return { found: claimed.response };
        });
        if (found) return { status: 'received', response: found, ...base };
        return { next: 'No response arrived in time. Call wait_for_response again.', ...base };
      }

      const record = await store.records.get(requestId);
      if (!record) {
        throw new AppError('not_found', `No request ${requestId} exists (or it expired).`, {
          hint: 'Use the request_id that send_request returned.',
        });
      }
      if (record.from !== agent) {
        throw new AppError(
          'forbidden',
          `Request ${requestId} was sent by ${record.from}, not by you (${agent}); you can only wait for answers to your own requests.`,
          {
            hint: 'Use a request_id that your own send_request returned, or omit request_id.',
          },
        );
      }
      const { found, base } = await run<Response>(agent, 'response', opts, async () => {
        const response = await store.conversations.response(record.conversation_id, requestId);
        if (!response) return {};
        // So that a later wait without request_id does not hand it out again; best effort.
        store.responses.markReceived(agent, requestId, Date.now()).catch(() => {});
        return { found: response };
      });
      if (found) return { status: 'received', response: found, ...base };
      const state =
        (await store.records.get(requestId).catch(() => undefined))?.state ?? record.state;
      return {
        request_id: requestId,
        request_state: state,
        next:
          state === 'queued'
            ? `The recipient has not seen the request yet. Call wait_for_response again with request_id ${requestId}.`
            : `The recipient has the request and has not answered yet. Call wait_for_response again with request_id ${requestId}.`,
        ...base,
      };
    },

    /** Ends every open wait with a "retry" result (on SIGTERM). */
    stop(): void {
      stopping = true;
      for (const wait of open) wait.abort();
    },

    isStopping: () => stopping,

    /** Waits open on this process. */
    openCount: () => open.size,
  };
}
