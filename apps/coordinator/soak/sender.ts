/**
 * @module A sender: sends its share of the requests on a few lanes (each: send with an
 * idempotency key, then take the answer), and for the `any` mode a collector that takes every
 * answer with wait_for_response without request_id.
 */
import type { AnswerMode, Ledger } from './ledger.js';
import type { McpClient } from './mcp-client.js';
import { SILENT } from './recipient.js';
import { retrying, sleep } from './retry.js';

export interface Permits {
  acquire(): Promise<void>;
  release(): void;
}

/** At most `n` holders at once; the others queue. */
export function createPermits(n: number): Permits {
  let free = n;
  const queue: (() => void)[] = [];
  return {
    async acquire() {
      if (free > 0) {
        free -= 1;
        return;
      }
      await new Promise<void>((resolve) => queue.push(resolve));
    },
    release() {
      const next = queue.shift();
      if (next) next();
      else free += 1;
    },
  };
}

/** One request to send. */
export interface Planned {
  index: number;
  to: string;
  silent: boolean;
}

export interface SenderPlan {
  client: McpClient;
  mode: AnswerMode;
  requests: Planned[];
  lanes: number;
  /** Tells the runs of different soaks apart (idempotency keys, words). */
  tag: string;
  expireSeconds: number;
  /** One send in this many is sent twice with the same idempotency key. */
  resendEvery: number;
}

interface Sent {
  request_id: string;
  duplicate?: boolean;
}

interface Waited {
  status: string;
  request_id?: string;
  response?: { request_id: string; response: string };
}

const WAIT_SECONDS = 10;

/** Records what a wait_for_response returned; true when it was an outcome. */
function note(ledger: Ledger, w: Waited): boolean {
  const id = w.response?.request_id ?? w.request_id;
  if (!id || (w.status !== 'received' && w.status !== 'expired' && w.status !== 'cancelled'))
    return false;
  ledger.recordOutcome(id, w.status, w.response?.response ?? '');
  return true;
}

/** Takes every answer to the agent's requests until `stop` aborts (the `any` mode). */
export async function collect(client: McpClient, ledger: Ledger, stop: AbortSignal) {
  while (!stop.aborted) {
    const w = await retrying(
      ledger,
      () => client.call<Waited>('wait_for_response', { timeout_seconds: 5 }, stop),
      stop,
    );
    if (w) note(ledger, w);
    else if (!stop.aborted) await sleep(100);
  }
}

/**
 * Sends the plan's requests and waits for each outcome; resolves when every request has one, or
 * `giveUp` aborted. `sent` is called after each send call that returned (success or not).
 */
export async function send(
  plan: SenderPlan,
  ledger: Ledger,
  permits: Permits,
  giveUp: AbortSignal,
  sent: () => void,
): Promise<void> {
  const { client, tag } = plan;
  const queue = [...plan.requests];
  let taken = 0;

  const takeById = async (requestId: string) => {
    while (!giveUp.aborted && !ledger.hasOutcome(requestId)) {
      const w = await retrying(
        ledger,
        () =>
          client.call<Waited>(
            'wait_for_response',
            { request_id: requestId, timeout_seconds: WAIT_SECONDS },
            giveUp,
          ),
        giveUp,
      );
      if (w) note(ledger, w);
    }
  };
  /** The `mixed` mode's other half: waits without request_id until this request's outcome came. */
  const takeAny = async (requestId: string) => {
    while (!giveUp.aborted && !ledger.hasOutcome(requestId)) {
      const w = await retrying(
        ledger,
        () => client.call<Waited>('wait_for_response', { timeout_seconds: WAIT_SECONDS }, giveUp),
        giveUp,
      );
      if (w) note(ledger, w);
    }
  };

  const one = async ({ index, to, silent }: Planned) => {
    const message = `${silent ? SILENT : 'q:'}${tag}:${index}`;
    const args = {
      to,
      message,
      idempotency_key: `${tag}-${index}`,
      ...(silent ? { expires_in_seconds: plan.expireSeconds } : {}),
    };
    const startedAt = performance.now();
    const first = await retrying(ledger, () => client.call<Sent>('send_request', args));
    sent();
    if (!first) return;
    const requestId = first.request_id;
    ledger.recordSend({
      requestId,
      from: client.agentId,
      to,
      message,
      silent,
      mode: plan.mode,
      startedAt,
    });
    if (index % plan.resendEvery === 0) {
      // The retry of a send whose reply was lost: the same request, not a second one.
      const again = await retrying(ledger, () => client.call<Sent>('send_request', args));
      if (again?.request_id === requestId && again.duplicate === true)
        ledger.idempotentResends += 1;
      else ledger.idempotencyBroken += 1;
    }
    if (plan.mode === 'any') await ledger.outcome(requestId, giveUp);
    else if (plan.mode === 'by-id' || taken++ % 2 === 0) await takeById(requestId);
    else await takeAny(requestId);
  };

  const lane = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await permits.acquire();
      try {
        await one(next);
      } finally {
        permits.release();
      }
    }
  };
  await Promise.all(Array.from({ length: plan.lanes }, lane));
}
