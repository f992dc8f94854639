/** @module Agent tokens: the admin REST payloads, and which agent IDs a token may act as. */
import { z } from 'zod';

/** One agent-ID pattern: agent-ID characters plus `*` (any run) and `?` (one character). */
const PATTERN = /^[A-Za-z0-9*?][A-Za-z0-9._*?-]{0,63}$/;

/** Comma-separated agent-ID patterns, e.g. `laptop-*` or `laptop-*,ci-runner`. */
export const AgentPatternsSchema = z
  .string({ error: 'agents is required: the agent IDs the token may act as, e.g. "laptop-*"' })
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  )
  .pipe(
    z
      .array(
        z.string().regex(PATTERN, {
          error:
            'each agent pattern is 1-64 characters of letters, digits, ".", "_", "-", "*" (any run) and "?" (one character)',
        }),
      )
      .min(1, { error: 'agents must name at least one agent ID or pattern, e.g. "laptop-*"' })
      .max(20, { error: 'at most 20 agent patterns per token' }),
  );

/** Create an agent token (`agents` required) or a read-only viewer token (`role: "viewer"`). */
export const CreateTokenRequestSchema = z
  .object({
    role: z.enum(['agent', 'viewer']).default('agent'),
    agents: AgentPatternsSchema.optional(),
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe('a note for humans, e.g. "dana laptop"'),
  })
  .superRefine((t, ctx) => {
    if (t.role === 'agent' && !t.agents) {
      ctx.addIssue({
        code: 'custom',
        path: ['agents'],
        message: 'agents is required: the agent IDs the token may act as, e.g. "laptop-*"',
      });
    }
  });

export const TokenInfoSchema = z.object({
  id: z.string(),
  role: z.enum(['agent', 'viewer']).default('agent'),
  agents: z.array(z.string()),
  name: z.string().optional(),
  created_at: z.string(),
  last_used_at: z.string().optional(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

/** Answer to a create: the only time the secret is shown. */
export const CreatedTokenSchema = TokenInfoSchema.extend({ token: z.string() });
export const TokenListSchema = z.object({ tokens: z.array(TokenInfoSchema) });

/** Whether `agentId` matches one of `patterns` (`*` any run of characters, `?` one character). */
export function matchesAgentPatterns(patterns: readonly string[], agentId: string): boolean {
  return patterns.some((p) => {
    const regex = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return regex.test(agentId);
  });
}
