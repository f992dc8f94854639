/**
 * The coordinator's fences as the tests look for them: another agent's words between
 * `[C3PO <kind> from <agent>, … #<marker>]` and `[end #<marker>]`, where the marker is random per
 * result and the same on both lines.
 */

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Matches `text` fenced under `label` (e.g. `C3PO request from agent-a, conversation 01…, request
 * 01…`), with any marker; `json` for the same inside a JSON string (escaped newlines and quotes).
 */
export function fenced(label: string, text: string, opts: { json?: boolean } = {}): RegExp {
  const nl = opts.json ? '\\\\n' : '\\n';
  const body = opts.json ? JSON.stringify(text).slice(1, -1) : text;
  return new RegExp(`\\[${literal(label)} #([a-z0-9]+)\\]${nl}${literal(body)}${nl}\\[end #\\1\\]`);
}

/** The words inside a fenced block; a text that is not one comes back as it is. */
export function unfence(text: string): string {
  const m = /^\[C3PO [^\n]*? #([a-z0-9]+)\]\n([\s\S]*)\n\[end #\1\]$/.exec(text);
  return m?.[2] ?? text;
}
