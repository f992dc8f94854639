/**
 * @module The HTTP answer to one POST of JSON-RPC requests. It is plain JSON when every answer is
 * ready quickly (the cheapest for both ends), and turns into an SSE stream as soon as something
 * must go out before the answers (a progress notification) or they take longer than `sseAfterMs`,
 * so that keep-alives can flow. Both forms are allowed by the Streamable HTTP transport.
 * It also collects what the tools want done once it is known whether the answer reached the
 * client (give back what was handed out, or take it for good): see {@link Exchange.settled}.
 */
import type { JsonRpcId, JsonRpcMessage } from './json-rpc.js';

export interface ExchangeOptions {
  /** Switch to SSE when the answers take longer than this. */
  sseAfterMs: number;
  /** SSE keep-alive comment interval. */
  keepAliveMs: number;
  /** Answer a batch as an array (a single request is answered as one object). */
  batch: boolean;
  /** Answer as an SSE stream from the start (a resumed wait, over GET). */
  stream?: boolean;
  /** Tell the client after this long to reconnect a broken stream (ms). */
  retryMs?: number;
  /**
   * Whether delivery will be known (a Node server): without it, what tools hand out counts as
   * delivered at once (in-process `app.request()`).
   */
  confirmsDelivery?: boolean;
}

const encoder = new TextEncoder();
const sseEvent = (m: JsonRpcMessage) =>
  encoder.encode(`event: message\ndata: ${JSON.stringify(m)}\n\n`);

export class Exchange {
  /** Resolves with the HTTP answer: JSON when all answers came in time, else an SSE stream. */
  readonly response: Promise<Response>;
  private resolve!: (r: Response) => void;
  private readonly pending = new Set<JsonRpcId>();
  private readonly answers: JsonRpcMessage[] = [];
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private streaming = false;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly settles: ((delivered: boolean) => Promise<void>)[] = [];
  private resumeId: string | undefined;

  constructor(private readonly opts: ExchangeOptions) {
    this.response = new Promise((resolve) => {
      this.resolve = resolve;
    });
    if (opts.stream) this.toStream();
  }

  /** Names the call so that a client whose stream breaks can resume it (see resume-token.ts). */
  resumable(eventId: string): void {
    this.resumeId = eventId;
    if (this.streaming) this.writePriming();
  }

  /** A request whose answer will come. Call once per request before any answer. */
  expect(id: JsonRpcId): void {
    this.pending.add(id);
    this.timer ??= setTimeout(() => this.toStream(), this.opts.sseAfterMs);
  }

  /** The final answer (result or error) to a request of this POST. */
  answer(message: JsonRpcMessage & { id: JsonRpcId | null }): void {
    if (this.ended || message.id === null || !this.pending.delete(message.id)) return;
    if (this.streaming) this.write(message);
    else this.answers.push(message);
    this.finishIfDone();
  }

  /** A request that will get no answer (it was cancelled). */
  drop(id: JsonRpcId): void {
    if (this.pending.delete(id)) this.finishIfDone();
  }

  /** A message that goes out before the answers (a progress notification): switches to SSE. */
  notify(message: JsonRpcMessage): void {
    if (this.ended) return;
    this.toStream();
    this.write(message);
  }

  /** Registers what to do once it is known whether the answer reached the client. */
  onSettled(settle: (delivered: boolean) => Promise<void>): void {
    if (this.opts.confirmsDelivery === false) void settle(true).catch(() => {});
    else this.settles.push(settle);
  }

  /** Whether something was handed out that hangs on whether the answer is delivered. */
  handedOut(): boolean {
    return this.settles.length > 0;
  }

  /** Once it is known whether the answer reached the client: what to run with that. */
  settled(): ((delivered: boolean) => Promise<void>)[] {
    this.close();
    return this.settles.splice(0);
  }

  /** Ends the exchange (the client went away): no more writes. */
  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
    if (this.ended) return;
    this.ended = true;
    try {
      this.stream?.close();
    } catch {
      // already closed by the client going away
    }
  }

  private finishIfDone() {
    if (this.pending.size > 0) return;
    clearTimeout(this.timer);
    if (this.streaming) {
      this.close();
      return;
    }
    this.ended = true;
    const body = this.opts.batch ? this.answers : this.answers[0];
    this.resolve(
      body === undefined
        ? new Response(null, { status: 202 })
        : new Response(JSON.stringify(body), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          }),
    );
  }

  private toStream() {
    if (this.streaming || this.ended) return;
    this.streaming = true;
    clearTimeout(this.timer);
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller;
      },
      cancel: () => this.close(),
    });
    if (this.resumeId) this.writePriming();
    for (const m of this.answers.splice(0)) this.write(m);
    this.keepAlive = setInterval(
      () => this.writeRaw(encoder.encode(': keepalive\n\n')),
      this.opts.keepAliveMs,
    );
    this.keepAlive.unref();
    this.resolve(
      new Response(body, {
        status: 200,
        headers: {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-cache',
          Connection: 'keep-alive',
        },
      }),
    );
  }

  /** An event with an id and no data: the client records it for reconnecting. */
  private writePriming() {
    const retry = this.opts.retryMs ?? 3_000;
    this.writeRaw(encoder.encode(`id: ${this.resumeId}\nretry: ${retry}\ndata: \n\n`));
  }

  private write(m: JsonRpcMessage) {
    this.writeRaw(sseEvent(m));
  }

  private writeRaw(bytes: Uint8Array) {
    if (this.ended || !this.stream) return;
    try {
      this.stream.enqueue(bytes);
    } catch {
      this.close();
    }
  }
}
