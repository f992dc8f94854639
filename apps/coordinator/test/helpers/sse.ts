/** A server-sent events reader over fetch, for the operator feed: events come out one by one. */

export interface SseReader {
  /** The HTTP status the feed answered with. */
  status: number;
  /** The next event's parsed `data` (rejects after `timeoutMs`). */
  next<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  close(): void;
}

export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseReader> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          for (const block of blocks) {
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice('data: '.length))
              .join('\n');
            if (data) queue.push(JSON.parse(data));
          }
          wake?.();
        }
      } catch {
        // Closed by close().
      }
    })();
  }
  return {
    status: res.status,
    async next<T>(timeoutMs = 5_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
      }
      return queue.shift() as T;
    },
    close: () => controller.abort(),
  };
}
