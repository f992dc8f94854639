/**
 * @module A recipient: waits for requests and answers each one with `re:<message>`, except the
 * requests marked silent, which it reads and never answers (they must expire).
 */
import { expectedAnswer, type Ledger } from './ledger.js';
import type { McpClient } from './mcp-client.js';
import { retrying, sleep } from './retry.js';

/** Marks the words of a request its recipient must leave unanswered. */
export const SILENT = 'silent:';

interface Received {
  status: string;
  requests?: { request_id: string; message: string; delivery_count: number }[];
}

/** Listens until `stop` aborts. */
export async function listen(client: McpClient, ledger: Ledger, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    const got = await retrying(
      ledger,
      () => client.call<Received>('wait_for_request', { timeout_seconds: 5 }, stop),
      stop,
    );
    if (!got) {
      if (!stop.aborted) await sleep(100);
      continue;
    }
    await Promise.all(
      (got.requests ?? []).map(async (r) => {
        ledger.recordDelivery(r.request_id, r.delivery_count);
        if (r.message.startsWith(SILENT)) return;
        // A retried answer with the same words is a no-op, so a lost reply is simply sent again.
        await retrying(ledger, () =>
          client.call('respond_to_request', {
            request_id: r.request_id,
            response: expectedAnswer(r.message),
          }),
        );
      }),
    );
  }
}
