/**
 * @module Whether a send's commit landed after its reply was lost (the connection broke or the
 * command timed out after it was written): Redis may have run it. Asked again for a short while,
 * as the client reconnects; undefined when Redis stays out of reach.
 */
import type { Store } from '../store/create-store.js';

/** Pauses between the questions, in ms: about 1.5 s in all, within a tool call's patience. */
const PAUSES_MS = [100, 250, 500, 650];

export async function commitLanded(
  store: Store,
  recipient: string,
  requestId: string,
): Promise<boolean | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await store.requests.get(recipient, requestId)) !== undefined;
    } catch {
      const pause = PAUSES_MS[attempt];
      if (pause === undefined) return undefined;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
