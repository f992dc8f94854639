/** @module The soak's flags: parsed from the command line, with their defaults and the --help text. */
import { parseArgs } from 'node:util';

export interface SoakOptions {
  /** Agents, each sending its share of the requests and answering what it receives. */
  agents: number;
  /** Requests sent in all. */
  requests: number;
  /** Coordinator processes on the one Redis; agent i talks to process i mod N. */
  coordinators: number;
  /** Requests in flight at once (sent, answer not received yet), across all agents. */
  concurrency: number;
  /** Redis to use; absent: a private redis-server with AOF, appendfsync everysec. */
  redisUrl: string | undefined;
  /** Share of requests sent with a short deadline to a recipient that never answers them. */
  expireShare: number;
  /** The short deadline of those requests, in seconds. */
  expireSeconds: number;
  /** How long to wait for the last answers once every request is sent, in seconds. */
  drainSeconds: number;
  /** Print the report as JSON. */
  json: boolean;
}

export const DEFAULTS: Omit<SoakOptions, 'redisUrl'> = {
  agents: 100,
  requests: 10_000,
  coordinators: 1,
  concurrency: 200,
  expireShare: 0.02,
  expireSeconds: 3,
  drainSeconds: 60,
  json: false,
};

export const HELP = `npm run soak -- [flags]

Runs agents against real coordinator processes over HTTP MCP: every agent sends its share of the
requests (each with an idempotency key) to random other agents and answers the requests it receives
(wait_for_request, respond_to_request); senders take their answers with wait_for_response, by
request_id, without it, or alternating. Then it checks that nothing was lost or duplicated and that
the inboxes and answer queues in Redis drained, and reports throughput, latency and memory.
Exits 1 when anything was lost, duplicated or wrong, or did not drain; 2 on bad flags.

  --agents N          agents (default ${DEFAULTS.agents})
  --requests N        requests in all (default ${DEFAULTS.requests})
  --coordinators N    coordinator processes (the built dist/main.js) on one Redis (default ${DEFAULTS.coordinators})
  --concurrency N     requests in flight at once, across all agents (default ${DEFAULTS.concurrency})
  --redis-url URL     use this Redis (keys under a fresh prefix, removed at the end); default: start a
                      private redis-server with appendonly yes, appendfsync everysec
  --expire-share X    share of requests (0..1) sent with a short expires_in_seconds to a recipient
                      that reads them and never answers, to exercise expiry (default ${DEFAULTS.expireShare})
  --expire-seconds N  their expires_in_seconds (default ${DEFAULTS.expireSeconds})
  --drain-seconds N   how long to wait for the last answers after the last send (default ${DEFAULTS.drainSeconds})
  --json              print the report as JSON
  -h, --help          this text

Builds first when run from the repository root: npm run soak -- --agents 100 --requests 10000`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const count = (name: string, raw: string | undefined, fallback: number, min = 1) => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min}`);
  return n;
};

/** The options of `argv`, or 'help'; throws UsageError on a bad flag. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const share =
    values['expire-share'] === undefined ? DEFAULTS.expireShare : Number(values['expire-share']);
  if (!(share >= 0 && share <= 1)) throw new UsageError('--expire-share must be between 0 and 1');
  const options: SoakOptions = {
    agents: count('agents', values.agents, DEFAULTS.agents, 2),
    requests: count('requests', values.requests, DEFAULTS.requests),
    coordinators: count('coordinators', values.coordinators, DEFAULTS.coordinators),
    concurrency: count('concurrency', values.concurrency, DEFAULTS.concurrency),
    redisUrl: values['redis-url'],
    expireShare: share,
    expireSeconds: count('expire-seconds', values['expire-seconds'], DEFAULTS.expireSeconds),
    drainSeconds: count('drain-seconds', values['drain-seconds'], DEFAULTS.drainSeconds),
    json: values.json ?? false,
  };
  if (options.redisUrl !== undefined && !/^rediss?:\/\//.test(options.redisUrl))
    throw new UsageError('--redis-url must look like redis://127.0.0.1:6379');
  return options;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      agents: { type: 'string' },
      requests: { type: 'string' },
      coordinators: { type: 'string' },
      concurrency: { type: 'string' },
      'redis-url': { type: 'string' },
      'expire-share': { type: 'string' },
      'expire-seconds': { type: 'string' },
      'drain-seconds': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
