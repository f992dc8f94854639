/** @module Identifiers: agent IDs, ULIDs, and the folder-name fallback for agent IDs. */
import { z } from 'zod';
import { fieldError } from './field-errors.js';

/** Agent IDs: letters, digits, `.`, `_`, `-`; start with a letter or digit; at most 64 characters. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The agent-ID rule in words, for error messages. */
export const AGENT_ID_RULE =
  'an agent ID is 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit';

/** An agent-ID field; `field` names it in error messages. */
export function agentIdField(field = 'agent ID') {
  return z
    .string({ error: fieldError(field, 'an agent ID such as "laptop-api" (see list_agents)') })
    .regex(AGENT_ID_PATTERN, { error: `${field} is not a valid agent ID: ${AGENT_ID_RULE}` })
    .describe('agent ID, e.g. "laptop-api"; case-sensitive');
}

export const AgentIdSchema = agentIdField();
export type AgentId = z.infer<typeof AgentIdSchema>;

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ULID field (26 Crockford base-32 characters); lower case is accepted and upper-cased. */
export function ulidField(what: string) {
  return z
    .string({
      error: fieldError(what, `the 26-character ${what} exactly as a C3PO result gave it`),
    })
    .transform((s) => s.trim().toUpperCase())
    .pipe(
      z.string().regex(ULID_PATTERN, {
        error: `not a valid ${what}: expected the 26-character ID (a ULID such as 01JD3Z8M4X6V2C9QK7R5T1W0YB) exactly as a C3PO result gave it`,
      }),
    );
}

export const RequestIdSchema = ulidField('request_id');
export const ConversationIdSchema = ulidField('conversation_id');

/**
 * Turns a folder name into an agent ID, or returns `undefined` when nothing usable is left.
 * Spaces become `-`, other characters outside `[A-Za-z0-9._-]` are dropped, leading `.`/`_`/`-`
 * are stripped, and the result is cut to 64 characters.
 * @example sanitizeAgentName('My Project (old)') // 'My-Project-old'
 */
export function sanitizeAgentName(folderName: string): string | undefined {
  const cleaned = folderName
    .replace(/\s/g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^[._-]+/, '')
    .slice(0, 64);
  return cleaned === '' ? undefined : cleaned;
}
