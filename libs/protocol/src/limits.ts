/** @module Defaults and limits shared by the coordinator, its docs and its clients. */

/** Size and count limits. The coordinator may be configured with other values. */
export interface Limits {
  /** Largest `message`, `context` or `response`, in UTF-8 bytes. @default 65536 */
  maxTextBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxTextBytes: 64 * 1024 };

/** Wait tools: default and maximum `timeout_seconds`. Claude Code backgrounds calls over 120 s. */
export const WAIT_DEFAULT_SECONDS = 50;
export const WAIT_MAX_SECONDS = 90;

/** A delivered but unanswered request is handed out again once its last delivery is this old. */
export const REDELIVER_AFTER_SECONDS = 60;

/** `get_pending_requests` `limit`: default and maximum. */
export const PENDING_DEFAULT_LIMIT = 20;
export const PENDING_MAX_LIMIT = 100;

/** `get_conversation` `limit`: default and maximum. */
export const CONVERSATION_DEFAULT_LIMIT = 100;
export const CONVERSATION_MAX_LIMIT = 1000;

/** Characters of a message shown as a preview by `/api/pending`. */
export const PREVIEW_CHARS = 200;

/** An agent counts as online when seen this recently (or while it waits for requests). */
export const ONLINE_WINDOW_SECONDS = 120;
/** An agent counts as idle (not offline) when seen this recently. */
export const IDLE_WINDOW_SECONDS = 24 * 60 * 60;

/** Longest `idempotency_key`. */
export const IDEMPOTENCY_KEY_MAX_CHARS = 200;

/** A request's deadline when `expires_in_seconds` is not given: a day, so an agent offline overnight still gets it. */
export const REQUEST_TTL_DEFAULT_SECONDS = 24 * 60 * 60;
/** The longest deadline a request may have (`expires_in_seconds`, `C3PO_REQUEST_TTL_SECONDS`): 7 days. */
export const REQUEST_TTL_MAX_SECONDS = 7 * 24 * 60 * 60;

/** Longest agent description (`X-Agent-Description`, `C3PO_AGENT_DESCRIPTION`). */
export const DESCRIPTION_MAX_CHARS = 200;

/** The coordinator's default port. */
export const DEFAULT_PORT = 8420;

/** Counts UTF-8 bytes without allocating (for size limits on strings). */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
