/** @module Configuration: parsed once from the environment with zod, then passed down. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  REDELIVER_AFTER_SECONDS,
  REQUEST_TTL_DEFAULT_SECONDS,
  REQUEST_TTL_MAX_SECONDS,
} from '@c3po/protocol';
import { z } from 'zod';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item !== ''),
  );

const redisUrl = (name: string) =>
  z.url({ protocol: /^rediss?$/, error: `${name} must look like redis://host:6379` });

/** The environment variables the coordinator reads, with their defaults. */
export const EnvSchema = z.object({
  /** Redis to use, e.g. `redis://127.0.0.1:6379`. Absent (and no cluster): start a private `redis-server`. */
  REDIS_URL: redisUrl('REDIS_URL').optional(),
  /**
   * Redis Cluster seed nodes, comma-separated `redis://` or `rediss://` URLs (with user and
   * password when the cluster needs them). Switches to cluster mode; not together with REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== ''),
    )
    .pipe(z.array(redisUrl('REDIS_CLUSTER_NODES: each node'))),
  /** The Redis password, when it is not in the URL (e.g. from `REDIS_PASSWORD_FILE`). */
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** @default 8420 */
  C3PO_PORT: int(0, DEFAULT_PORT),
  /** Address to listen on. @default 127.0.0.1 (this machine only) */
  C3PO_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the private `redis-server` keeps its data. @default ./data */
  C3PO_DATA_DIR: z.string().min(1).default('data'),
  /** The `redis-server` executable for the private Redis. @default redis-server (from PATH) */
  C3PO_REDIS_SERVER: z.string().min(1).default('redis-server'),
  /** Prefix of every Redis key. @default c3po */
  C3PO_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/, {
      error: 'C3PO_KEY_PREFIX: 1-32 letters, digits, ".", "_" or "-"',
    })
    .default('c3po'),
  /** Largest message, context or response, in bytes. @default 65536 */
  C3PO_MAX_TEXT_BYTES: int(1, DEFAULT_LIMITS.maxTextBytes),
  /** Open HTTP connections kept at most; beyond, the longest idle ones are closed. @default 3000 */
  C3PO_MAX_CONNECTIONS: int(10, 3_000),
  /** Time a client has to send a request's headers, ms. @default 10000 */
  C3PO_HEADERS_TIMEOUT_MS: int(1_000, 10_000),
  /** An idle kept-alive connection is closed after this long, ms (above common clients' own). @default 65000 */
  C3PO_KEEPALIVE_TIMEOUT_MS: int(1_000, 65_000),
  /** Largest HTTP request body, in bytes. @default 1048576 */
  C3PO_MAX_BODY_BYTES: int(1024, 1024 * 1024),
  /** Deliveries of an unanswered request before it is dead-lettered. @default 5 */
  C3PO_MAX_DELIVERIES: int(1, 5),
  /** Conversations and request records expire this many days after their last message. @default 30 */
  C3PO_RETENTION_DAYS: int(1, 30),
  /** Extra Host header names accepted (comma-separated), e.g. `nas.local,c3po.example.com`. */
  C3PO_ALLOWED_HOSTS: list,
  /** Browser origins accepted (comma-separated). Requests with any other Origin are refused. */
  C3PO_ALLOWED_ORIGINS: list,
  /** Interval of progress notifications during waits, ms. @default 10000 */
  C3PO_PROGRESS_INTERVAL_MS: int(100, 10_000),
  /** Waits re-check Redis this often even without a wake-up, ms. @default 15000 */
  C3PO_SAFETY_POLL_MS: int(50, 15_000),
  /** A delivered, unanswered request is handed out again after this long, ms. @default 60000 */
  C3PO_REDELIVER_AFTER_MS: int(0, REDELIVER_AFTER_SECONDS * 1000),
  /** On SIGTERM, how long open calls get to finish, ms. @default 5000 */
  C3PO_SHUTDOWN_GRACE_MS: int(0, 5_000),
  /** Where to look for `redis-server`. */
  PATH: z.string().default(''),
  /**
   * `token`: every call needs an agent token (Authorization: Bearer). `open`: identity headers are
   * trusted. @default open on a loopback address, token otherwise
   */
  C3PO_AUTH_MODE: z.enum(['open', 'token']).optional(),
  /** The admin secret: creates and revokes agent tokens. Required in token mode. */
  C3PO_ADMIN_TOKEN: z
    .string()
    .min(16, {
      error:
        'C3PO_ADMIN_TOKEN must be at least 16 characters; create one with: openssl rand -hex 32',
    })
    .optional(),
  /** A request's deadline when the sender gives none, seconds (at most 7 days). @default 86400 */
  C3PO_REQUEST_TTL_SECONDS: int(1, REQUEST_TTL_DEFAULT_SECONDS).pipe(
    z.number().max(REQUEST_TTL_MAX_SECONDS, {
      error: `C3PO_REQUEST_TTL_SECONDS must be at most ${REQUEST_TTL_MAX_SECONDS} (7 days)`,
    }),
  ),
  /** A bearer token that may read /metrics only (for a Prometheus scrape configuration). */
  C3PO_METRICS_TOKEN: z
    .string()
    .min(16, { error: 'C3PO_METRICS_TOKEN must be at least 16 characters' })
    .optional(),
  /** Requests one agent may send per minute, across all replicas. @default 60 */
  C3PO_SEND_RATE_PER_MINUTE: int(1, 60),
  /** Requests one token may send per minute, whatever agent IDs it acts as. @default 120 */
  C3PO_TOKEN_SEND_RATE_PER_MINUTE: int(1, 120),
  /** Unanswered requests one inbox may hold; more are refused with inbox_full. @default 200 */
  C3PO_INBOX_MAX_REQUESTS: int(1, 200),
  /** Bytes of unanswered requests one inbox may hold. @default 8388608 (8 MiB) */
  C3PO_INBOX_MAX_BYTES: int(1024, 8 * 1024 * 1024),
  /** wait_for_request/wait_for_response calls one agent may have open at once on one process. @default 10 */
  C3PO_MAX_WAITS_PER_AGENT: int(1, 10),
  /** Waits one token may have open at once, across all replicas. @default 40 */
  C3PO_MAX_WAITS_PER_TOKEN: int(1, 40),
  /** Waits one coordinator process holds at most, for all agents together. @default 2000 */
  C3PO_MAX_WAITS: int(1, 2000),
  /** Agents the coordinator knows at most; a new agent ID beyond it is refused. @default 10000 */
  C3PO_MAX_AGENTS: int(1, 10_000),
  /** Agent IDs one token may act as. @default 20 */
  C3PO_MAX_AGENTS_PER_TOKEN: int(1, 20),
  /** How often each coordinator looks for requests past their deadline, ms. @default 1000 */
  C3PO_EXPIRY_SWEEP_MS: int(50, 1_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

const LOOPBACK_LISTEN = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1|\[::1\])$/;

/** Open by default only where nobody else can connect. */
const authMode = (e: z.infer<typeof EnvSchema>) =>
  e.C3PO_AUTH_MODE ?? (LOOPBACK_LISTEN.test(e.C3PO_HOST) ? 'open' : 'token');

/** Token mode without an admin token is refused, with how to make one. */
const ConfigSchema = EnvSchema.superRefine((e, ctx) => {
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message:
        'REDIS_URL and REDIS_CLUSTER_NODES are both set: set REDIS_URL for one Redis server, or REDIS_CLUSTER_NODES for a Redis Cluster, not both.',
    });
  }
  if (authMode(e) === 'token' && !e.C3PO_ADMIN_TOKEN) {
    ctx.addIssue({
      code: 'custom',
      path: ['C3PO_ADMIN_TOKEN'],
      message: `${e.C3PO_AUTH_MODE ? 'C3PO_AUTH_MODE=token' : `C3PO_HOST=${e.C3PO_HOST} reaches beyond this machine, so agents need tokens, and that`} needs an admin token. Create one with: export C3PO_ADMIN_TOKEN=$(openssl rand -hex 32); then create agent tokens with: npm run c3po -- token create --agents 'laptop-*'. To run without tokens on a network you trust, set C3PO_AUTH_MODE=open.`,
    });
  }
});

/** Variables that may instead be read from a file named by `<NAME>_FILE` (Docker secrets). */
const FROM_FILE = ['C3PO_ADMIN_TOKEN', 'REDIS_PASSWORD', 'C3PO_METRICS_TOKEN'] as const;

/** Replaces each `<NAME>_FILE` of {@link FROM_FILE} by `<NAME>` set to the file's contents. */
function readSecretFiles(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FROM_FILE) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) {
      throw new z.ZodError([
        {
          code: 'custom',
          path: [`${name}_FILE`],
          message: `${name} and ${name}_FILE are both set; set only one of them.`,
          input: file,
        },
      ]);
    }
    try {
      out[name] = readFile(file).trim();
    } catch (err) {
      throw new z.ZodError([
        {
          code: 'custom',
          path: [`${name}_FILE`],
          message: `cannot read ${file}: ${(err as Error).message}`,
          input: file,
        },
      ]);
    }
  }
  return out;
}

/** A Redis URL with the password put in, unless it already has one. */
function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  if (u.password) return url;
  u.password = password;
  return u.toString();
}

/** Parses the environment into a typed, grouped config; throws a ZodError on bad values. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
) {
  const e = ConfigSchema.parse(readSecretFiles(env, readFile));
  return {
    http: {
      host: e.C3PO_HOST,
      port: e.C3PO_PORT,
      allowedHosts: e.C3PO_ALLOWED_HOSTS,
      allowedOrigins: e.C3PO_ALLOWED_ORIGINS,
      maxBodyBytes: e.C3PO_MAX_BODY_BYTES,
      connections: {
        maxConnections: e.C3PO_MAX_CONNECTIONS,
        headersTimeoutMs: e.C3PO_HEADERS_TIMEOUT_MS,
        // The whole request (not its answer, which may be a long wait) within twice that.
        requestTimeoutMs: e.C3PO_HEADERS_TIMEOUT_MS * 2,
        keepAliveTimeoutMs: e.C3PO_KEEPALIVE_TIMEOUT_MS,
      },
    },
    redis: {
      url: e.REDIS_URL && withPassword(e.REDIS_URL, e.REDIS_PASSWORD),
      clusterNodes: e.REDIS_CLUSTER_NODES.map((u) => withPassword(u, e.REDIS_PASSWORD)),
      keyPrefix: e.C3PO_KEY_PREFIX,
      dataDir: isAbsolute(e.C3PO_DATA_DIR) ? e.C3PO_DATA_DIR : resolve(cwd, e.C3PO_DATA_DIR),
      serverBin: e.C3PO_REDIS_SERVER,
      searchPath: e.PATH,
    },
    limits: {
      maxTextBytes: e.C3PO_MAX_TEXT_BYTES,
      maxDeliveries: e.C3PO_MAX_DELIVERIES,
      sendsPerMinute: e.C3PO_SEND_RATE_PER_MINUTE,
      tokenSendsPerMinute: e.C3PO_TOKEN_SEND_RATE_PER_MINUTE,
      inboxMaxRequests: e.C3PO_INBOX_MAX_REQUESTS,
      inboxMaxBytes: e.C3PO_INBOX_MAX_BYTES,
      waitsPerAgent: e.C3PO_MAX_WAITS_PER_AGENT,
      waitsPerToken: e.C3PO_MAX_WAITS_PER_TOKEN,
      waitsPerProcess: e.C3PO_MAX_WAITS,
      maxAgents: e.C3PO_MAX_AGENTS,
      agentsPerToken: e.C3PO_MAX_AGENTS_PER_TOKEN,
    },
    requestTtlSeconds: e.C3PO_REQUEST_TTL_SECONDS,
    expirySweepMs: e.C3PO_EXPIRY_SWEEP_MS,
    auth: {
      mode: authMode(e),
      adminToken: e.C3PO_ADMIN_TOKEN,
      metricsToken: e.C3PO_METRICS_TOKEN,
    },
    retentionMs: e.C3PO_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    waits: {
      progressIntervalMs: e.C3PO_PROGRESS_INTERVAL_MS,
      safetyPollMs: e.C3PO_SAFETY_POLL_MS,
      redeliverAfterMs: e.C3PO_REDELIVER_AFTER_MS,
    },
    shutdownGraceMs: e.C3PO_SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
  };
}
