/**
 * @module Who may act as which agent. In token mode every call carries a token; an agent token is
 * bound to agent-ID patterns, the admin token (from the environment) may do anything. Refusals are
 * `forbidden` (HTTP 403, never 401: a 401 makes Claude Code start an OAuth flow).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { matchesAgentPatterns, type TokenInfo } from '@c3po/protocol';
import { AppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import type { StoredToken } from '../store/token-store.js';

export interface AuthConfig {
  mode: 'open' | 'token';
  adminToken: string | undefined;
  /** Agent IDs one agent token may act as. */
  agentsPerToken: number;
}

type Principal =
  | { kind: 'admin' }
  | { kind: 'agent' | 'viewer'; digest: string; token: StoredToken };

/** How long a looked-up token is trusted without asking Redis again (revocation reaches other replicas within this). */
const CACHE_MS = 5_000;
/** last_used_at is written at most this often per token. */
const MARK_USED_EVERY_MS = 60_000;
/** How long a token's use of an agent ID is trusted without asking Redis again. */
const AGENT_ADMIT_CACHE_MS = 60_000;
/** In-process caches are dropped whole beyond this many entries. */
const CACHE_MAX = 10_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

const NEED_TOKEN_HINT =
  'Ask the coordinator operator for an agent token (c3po token create --agents <pattern>) and set C3PO_TOKEN to it in the environment Claude Code starts from.';

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(store: Store, config: AuthConfig) {
  const cache = new Map<string, { token: StoredToken | undefined; until: number }>();
  const markedAt = new Map<string, number>();
  /** `<digest> <agent>` → until when the token's use of that agent ID is known to be admitted. */
  const admitted = new Map<string, number>();
  const bounded = <K, V>(map: Map<K, V>) => {
    if (map.size > CACHE_MAX) map.clear();
  };

  const lookup = async (digest: string): Promise<StoredToken | undefined> => {
    const now = Date.now();
    const hit = cache.get(digest);
    if (hit && hit.until > now) return hit.token;
    const token = await store.tokens.get(digest);
    bounded(cache);
    cache.set(digest, { token, until: now + CACHE_MS });
    return token;
  };

  const principal = async (bearer: string | undefined): Promise<Principal | undefined> => {
    if (!bearer) return undefined;
    if (config.adminToken && sameSecret(bearer, config.adminToken)) return { kind: 'admin' };
    const digest = sha256(bearer);
    const token = await lookup(digest);
    if (!token) return undefined;
    const now = Date.now();
    if (now - (markedAt.get(digest) ?? 0) > MARK_USED_EVERY_MS) {
      bounded(markedAt);
      markedAt.set(digest, now);
      store.tokens
        .markUsed(digest, new Date(now).toISOString())
        .catch(() => markedAt.delete(digest));
    }
    return { kind: token.role, digest, token };
  };

  /** Records that an agent token acts as `agentId`, within the token's cap of agent IDs. */
  const admit = async (digest: string, agentId: string, cap: number) => {
    const key = `${digest} ${agentId}`;
    const now = Date.now();
    if ((admitted.get(key) ?? 0) > now) return;
    const ok = await store.limits.admitTokenAgent(digest, agentId, cap, 30 * 24 * 3600 * 1000);
    if (!ok) {
      throw new AppError(
        'forbidden',
        `This token already acted as ${cap} different agent IDs, the most one token may; "${agentId}" is not one of them.`,
        {
          hint: 'Use an agent ID this token used before, or ask the operator for another token (c3po token create --agents <id>).',
        },
      );
    }
    bounded(admitted);
    admitted.set(key, now + AGENT_ADMIT_CACHE_MS);
  };

  const refuse = (bearer: string | undefined) =>
    bearer
      ? new AppError(
          'forbidden',
          'The token sent in Authorization is not valid here: it was revoked, mistyped, or belongs to another coordinator.',
          {
            hint: NEED_TOKEN_HINT,
          },
        )
      : new AppError(
          'forbidden',
          'This coordinator requires a token, and none was sent (Authorization: Bearer <token>).',
          {
            hint: NEED_TOKEN_HINT,
          },
        );

  return {
    mode: config.mode,

    /**
     * Throws `forbidden` unless the bearer token may act as `agentId` (always allowed in open
     * mode); returns the digest of the agent token used, under which per-token limits are kept.
     */
    async authorizeAgent(
      bearer: string | undefined,
      agentId: string,
    ): Promise<{ tokenDigest?: string }> {
      if (config.mode === 'open') return {};
      const p = await principal(bearer);
      if (!p) throw refuse(bearer);
      if (p.kind === 'admin') return {};
      if (p.kind === 'viewer') {
        throw new AppError(
          'forbidden',
          'This is a viewer token: it may read the status page and the operator routes, not act as an agent.',
          { hint: NEED_TOKEN_HINT },
        );
      }
      if (!matchesAgentPatterns(p.token.agents, agentId)) {
        throw new AppError(
          'forbidden',
          `This token may act only as agents matching ${p.token.agents.join(', ')}, not as "${agentId}".`,
          {
            hint: 'Set C3PO_AGENT_ID to an ID the token allows, or set C3PO_TOKEN to a token for this agent ID (the operator creates one with: c3po token create --agents <id>).',
          },
        );
      }
      await admit(p.digest, agentId, config.agentsPerToken);
      return { tokenDigest: p.digest };
    },

    /** Throws `forbidden` unless the caller may read the operator view (admin or viewer token). */
    async requireViewer(bearer: string | undefined): Promise<void> {
      if (config.mode === 'open') return;
      const p = await principal(bearer);
      if (p?.kind === 'admin' || p?.kind === 'viewer') return;
      throw new AppError(
        'forbidden',
        'The status page and the operator routes need the admin token or a viewer token (Authorization: Bearer <token>).',
        {
          hint: 'Use C3PO_ADMIN_TOKEN, or create a read-only viewer token with: c3po token create --viewer',
        },
      );
    },

    /** Throws `forbidden` unless the bearer token is the admin token. */
    async requireAdmin(bearer: string | undefined): Promise<void> {
      if (!config.adminToken) {
        throw new AppError(
          'forbidden',
          'Admin routes are disabled: the coordinator has no C3PO_ADMIN_TOKEN.',
          {
            hint: 'Set C3PO_ADMIN_TOKEN (e.g. from openssl rand -hex 32) on the coordinator and restart it.',
          },
        );
      }
      if ((await principal(bearer))?.kind !== 'admin') {
        throw new AppError(
          'forbidden',
          'This route needs the admin token (Authorization: Bearer <C3PO_ADMIN_TOKEN>).',
          {
            hint: 'Use the value of C3PO_ADMIN_TOKEN that the coordinator was started with.',
          },
        );
      }
    },

    /** Creates an agent token; the secret is returned once and stored only as its hash. */
    async createToken(
      agents: string[],
      name: string | undefined,
      role: 'agent' | 'viewer' = 'agent',
    ): Promise<TokenInfo & { token: string }> {
      const secret = `c3po_${randomBytes(24).toString('base64url')}`;
      const digest = sha256(secret);
      const stored: StoredToken = {
        id: digest.slice(0, 12),
        agents: role === 'viewer' ? [] : agents,
        role,
        ...(name ? { name } : {}),
        created_at: new Date().toISOString(),
      };
      await store.tokens.create(digest, stored);
      cache.delete(digest);
      return { ...stored, token: secret };
    },

    listTokens: (): Promise<TokenInfo[]> => store.tokens.list(),

    async revokeToken(id: string): Promise<void> {
      const digest = await store.tokens.revoke(id);
      if (!digest) {
        throw new AppError('not_found', `No token with id ${id}.`, {
          hint: 'List the tokens with: c3po token list',
        });
      }
      cache.delete(digest);
    },
  };
}
