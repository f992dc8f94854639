/**
 * @module What the soak's agents did and saw: every send that succeeded, every delivery of a
 * request to its recipient, every answer (or expiry) its sender received. The tally says what was
 * lost, duplicated or wrong.
 */

/** How a sender takes its answers: by request_id, without it, or alternating one by one. */
export type AnswerMode = 'by-id' | 'any' | 'mixed';

export interface SentRequest {
  requestId: string;
  from: string;
  to: string;
  message: string;
  /** Sent with a short deadline to a recipient that never answers it: must end `expired`. */
  silent: boolean;
  mode: AnswerMode;
  /** When the send call started (ms, performance.now()). */
  startedAt: number;
}

interface Outcome {
  status: string;
  text: string;
  at: number;
  /** How many times the sender received it. */
  times: number;
}

export interface Tally {
  sent: number;
  answered: number;
  expired: number;
  /** Sends that succeeded and got neither an answer nor an expiry. */
  lost: number;
  /** Answers received twice by their sender, and requests delivered as new (delivery_count 1) twice. */
  duplicated: { answers: number; deliveries: number };
  /** Outcomes that are not what was sent for: wrong words, wrong state, or an unknown request. */
  wrong: number;
  /** Requests handed to their recipient again after an unanswered delivery (delivery_count > 1). */
  redelivered: number;
  /** Round trips of answered requests: send call started → answer received, ms. */
  latenciesMs: number[];
  /** The same, by the sender's answer mode. */
  latenciesByMode: Record<AnswerMode, number[]>;
  /** When the first send started and the last outcome came (performance.now()). */
  span: { from: number; to: number };
  idempotency: { resends: number; broken: number };
  /** Tool calls that failed with a retryable error and were made again. */
  retries: number;
  /** Calls that failed for good, and sends that never succeeded: the first few messages. */
  errors: string[];
  errorCount: number;
}

export const expectedAnswer = (message: string) => `re:${message}`;

export class Ledger {
  private readonly sent = new Map<string, SentRequest>();
  private readonly outcomes = new Map<string, Outcome>();
  private readonly waiters = new Map<string, () => void>();
  private readonly asNew = new Map<string, number>();
  private readonly redeliveries = new Set<string>();
  private readonly errorMessages: string[] = [];
  private errorCount = 0;
  private firstSend = Number.POSITIVE_INFINITY;
  private lastOutcome = 0;
  retries = 0;
  idempotentResends = 0;
  idempotencyBroken = 0;

  recordSend(s: SentRequest): void {
    this.sent.set(s.requestId, s);
    this.firstSend = Math.min(this.firstSend, s.startedAt);
  }

  /** A recipient's tool result contained the request, with this delivery_count. */
  recordDelivery(requestId: string, deliveryCount: number): void {
    if (deliveryCount === 1) this.asNew.set(requestId, (this.asNew.get(requestId) ?? 0) + 1);
    else this.redeliveries.add(requestId);
  }

  /** The sender received the answer (or expiry) of a request. */
  recordOutcome(requestId: string, status: string, text: string, at = performance.now()): void {
    const known = this.outcomes.get(requestId);
    if (known) known.times += 1;
    else this.outcomes.set(requestId, { status, text, at, times: 1 });
    this.lastOutcome = Math.max(this.lastOutcome, at);
    this.waiters.get(requestId)?.();
    this.waiters.delete(requestId);
  }

  hasOutcome(requestId: string): boolean {
    return this.outcomes.has(requestId);
  }

  /** Resolves once the request's outcome is recorded, or when `giveUp` aborts. */
  outcome(requestId: string, giveUp: AbortSignal): Promise<void> {
    if (this.outcomes.has(requestId) || giveUp.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        giveUp.removeEventListener('abort', done);
        this.waiters.delete(requestId);
        resolve();
      };
      this.waiters.set(requestId, done);
      giveUp.addEventListener('abort', done, { once: true });
    });
  }

  recordError(message: string): void {
    this.errorCount += 1;
    if (this.errorMessages.length < 10) this.errorMessages.push(message);
  }

  /** Sends made so far, and outcomes received so far (for progress lines). */
  progress() {
    let expired = 0;
    for (const o of this.outcomes.values()) if (o.status === 'expired') expired += 1;
    return { sent: this.sent.size, answered: this.outcomes.size - expired, expired };
  }

  tally(): Tally {
    let answered = 0;
    let expired = 0;
    let lost = 0;
    let wrong = 0;
    let duplicateAnswers = 0;
    const latenciesMs: number[] = [];
    const latenciesByMode: Record<AnswerMode, number[]> = { 'by-id': [], any: [], mixed: [] };
    for (const [id, s] of this.sent) {
      const o = this.outcomes.get(id);
      if (!o) {
        lost += 1;
        continue;
      }
      duplicateAnswers += o.times - 1;
      if (o.status === 'expired') expired += 1;
      else answered += 1;
      const right = s.silent
        ? o.status === 'expired'
        : o.status === 'received' && o.text === expectedAnswer(s.message);
      if (!right) wrong += 1;
      else if (!s.silent) {
        latenciesMs.push(o.at - s.startedAt);
        latenciesByMode[s.mode].push(o.at - s.startedAt);
      }
    }
    for (const id of this.outcomes.keys()) if (!this.sent.has(id)) wrong += 1;
    let duplicateDeliveries = 0;
    for (const n of this.asNew.values()) duplicateDeliveries += n - 1;
    return {
      sent: this.sent.size,
      answered,
      expired,
      lost,
      duplicated: { answers: duplicateAnswers, deliveries: duplicateDeliveries },
      wrong,
      redelivered: this.redeliveries.size,
      latenciesMs,
      latenciesByMode,
      span: { from: this.firstSend, to: this.lastOutcome },
      idempotency: { resends: this.idempotentResends, broken: this.idempotencyBroken },
      retries: this.retries,
      errors: [...this.errorMessages],
      errorCount: this.errorCount,
    };
  }
}
