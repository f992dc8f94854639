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
}

type Principal = { kind: 'admin' } | { kind: 'agent'; digest: string; token: StoredToken };

/** How long a looked-up token is trusted without asking Redis again (revocation reaches other replicas within this). */
const CACHE_MS = 5_000;
/** last_used_at is written at most this often per token. */
const MARK_USED_EVERY_MS = 60_000;

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

  const lookup = async (digest: string): Promise<StoredToken | undefined> => {
    const now = Date.now();
    const hit = cache.get(digest);
    if (hit && hit.until > now) return hit.token;
    const token = await store.tokens.get(digest);
    cache.set(digest, { token, until: now + CACHE_MS });
    if (cache.size > 10_000) cache.clear();
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
      markedAt.set(digest, now);
      store.tokens
        .markUsed(digest, new Date(now).toISOString())
        .catch(() => markedAt.delete(digest));
    }
    return { kind: 'agent', digest, token };
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

    /** Throws `forbidden` unless the bearer token may act as `agentId` (always allowed in open mode). */
    async authorizeAgent(bearer: string | undefined, agentId: string): Promise<void> {
      if (config.mode === 'open') return;
      const p = await principal(bearer);
      if (!p) throw refuse(bearer);
      if (p.kind === 'agent' && !matchesAgentPatterns(p.token.agents, agentId)) {
        throw new AppError(
          'forbidden',
          `This token may act only as agents matching ${p.token.agents.join(', ')}, not as "${agentId}".`,
          {
            hint: 'Set C3PO_AGENT_ID to an ID the token allows, or set C3PO_TOKEN to a token for this agent ID (the operator creates one with: c3po token create --agents <id>).',
          },
        );
      }
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
    ): Promise<TokenInfo & { token: string }> {
      const secret = `c3po_${randomBytes(24).toString('base64url')}`;
      const digest = sha256(secret);
      const stored: StoredToken = {
        id: digest.slice(0, 12),
        agents,
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
