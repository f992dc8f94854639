/**
 * @module The coordinator's REST routes as `c3po` calls them: JSON in and out, the coordinator's
 * errors turned into one-line reasons, and the operator feed of server-sent events.
 */
import { ErrorBodySchema, HEADERS } from '@c3po/protocol';
import { CliError } from './cli-error.js';

export interface ClientOptions {
  /** The coordinator's base URL. */
  url: string;
  /** Sent as `Authorization: Bearer`. */
  token: string | undefined;
  /** Sent as X-Agent-ID: the agent the calls act as. */
  agent?: string;
}

/** One server-sent event: its `id` and parsed `data`. */
export interface FeedEvent {
  id: string | undefined;
  data: unknown;
}

export type Client = ReturnType<typeof createClient>;

export function createClient(opts: ClientOptions) {
  const base = opts.url.replace(/\/+$/, '');
  const headers = (extra: Record<string, string> = {}) => ({
    ...(opts.token ? { [HEADERS.authorization]: `Bearer ${opts.token}` } : {}),
    ...(opts.agent ? { [HEADERS.agentId]: opts.agent } : {}),
    ...extra,
  });

  const unreachable = (err: unknown) =>
    new CliError(
      `cannot reach the coordinator at ${base} (${(err as Error).cause ?? err}). Is it running? Set --url or C3PO_URL.`,
    );

  const refused = async (res: Response) => {
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = ErrorBodySchema.safeParse(body);
    return new CliError(
      parsed.success
        ? [parsed.data.error.message, parsed.data.error.hint].filter(Boolean).join(' ')
        : `the coordinator answered HTTP ${res.status}`,
    );
  };

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw unreachable(err);
    }
    if (!res.ok) throw await refused(res);
    return res.json().catch(() => {
      throw new CliError(`the coordinator at ${base} answered ${path} with something not JSON`);
    });
  }

  return {
    url: base,
    get: (path: string) => request('GET', path),
    post: (path: string, body: unknown) => request('POST', path, body),
    delete: (path: string) => request('DELETE', path),

    /** Follows a server-sent event feed until the coordinator ends it; `onOpen` once it answered. */
    async *events(
      path: string,
      opts: { lastEventId?: string; onOpen?: () => void } = {},
    ): AsyncGenerator<FeedEvent> {
      const { lastEventId } = opts;
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          headers: headers(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        });
      } catch (err) {
        throw unreachable(err);
      }
      if (!res.ok || !res.body) throw await refused(res);
      opts.onOpen?.();
      let buffer = '';
      for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const lines = block.split('\n');
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (!data) continue;
          const id = lines
            .find((l) => l.startsWith('id:'))
            ?.slice(3)
            .trim();
          yield { id, data: JSON.parse(data) };
        }
      }
    },
  };
}
