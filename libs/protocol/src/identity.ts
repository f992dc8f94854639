/** @module Resolving the acting agent from the `X-Agent-ID` / `X-Project-Dir` header values. */
import { AGENT_ID_PATTERN, AGENT_ID_RULE, sanitizeAgentName } from './ids.js';

export type IdentityResult =
  | { ok: true; agentId: string; source: 'agent-id' | 'project-dir' }
  | { ok: false; code: 'missing_identity' | 'invalid_agent_id'; message: string; hint: string };

const SET_AGENT_ID_HINT =
  'Set C3PO_AGENT_ID in the environment Claude Code starts from (e.g. export C3PO_AGENT_ID=laptop-api), or send an X-Agent-ID header.';

/** A header that is absent, blank, or still holds an unexpanded `${…}` counts as missing. */
function present(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.includes('${')) return undefined;
  return trimmed;
}

function basename(path: string): string {
  const parts = path.split(/[/\\]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}

/**
 * Decides which agent a call acts as: `X-Agent-ID` when given, else the sanitised basename of
 * `X-Project-Dir`. An explicit ID that breaks the rule is refused, never rewritten.
 */
export function resolveIdentity(headers: {
  agentId?: string | null;
  projectDir?: string | null;
}): IdentityResult {
  const explicit = present(headers.agentId);
  if (explicit !== undefined) {
    if (AGENT_ID_PATTERN.test(explicit)) return { ok: true, agentId: explicit, source: 'agent-id' };
    return {
      ok: false,
      code: 'invalid_agent_id',
      message: `X-Agent-ID ${JSON.stringify(explicit.slice(0, 80))} is not a valid agent ID: ${AGENT_ID_RULE}.`,
      hint: `Pick an ID that fits the rule. ${SET_AGENT_ID_HINT}`,
    };
  }
  const dir = present(headers.projectDir);
  if (dir !== undefined) {
    const name = sanitizeAgentName(basename(dir));
    if (name !== undefined) return { ok: true, agentId: name, source: 'project-dir' };
    return {
      ok: false,
      code: 'missing_identity',
      message: `No agent ID: X-Agent-ID is empty and the folder name of ${JSON.stringify(dir.slice(0, 200))} has no usable characters.`,
      hint: SET_AGENT_ID_HINT,
    };
  }
  return {
    ok: false,
    code: 'missing_identity',
    message:
      'No agent identity: the X-Agent-ID and X-Project-Dir headers are both missing or empty.',
    hint: SET_AGENT_ID_HINT,
  };
}
