/**
 * @module Routes `notifications/cancelled` to the call it names. In stateless mode the
 * notification arrives in its own POST, at a fresh server instance the SDK would not connect to
 * the call, so the endpoint looks the call up here by agent and JSON-RPC id.
 */
export type CancelRegistry = ReturnType<typeof createCancelRegistry>;

export function createCancelRegistry() {
  const calls = new Map<string, AbortController>();
  const key = (agent: string, id: string | number) => `${agent}|${typeof id}:${id}`;
  return {
    /** Tracks a running call; returns a function that forgets it. */
    add(agent: string, id: string | number, controller: AbortController): () => void {
      const k = key(agent, id);
      calls.set(k, controller);
      return () => {
        if (calls.get(k) === controller) calls.delete(k);
      };
    },
    /** Aborts the call, if it is running; returns whether one was. */
    cancel(agent: string, id: string | number): boolean {
      const controller = calls.get(key(agent, id));
      controller?.abort();
      return controller !== undefined;
    },
    get size() {
      return calls.size;
    },
  };
}
