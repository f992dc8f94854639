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

/** One fenced block as the model reads it. */
export interface FencedBlock {
  kind: string;
  from: string;
  conversationId?: string;
  requestId?: string;
  marker: string;
  body: string;
}

const BLOCK =
  /\[C3PO (request|response|context|description) from ([A-Za-z0-9][A-Za-z0-9._-]*)(?:, conversation ([0-9A-Z]+))?(?:, request ([0-9A-Z]+))? #([a-z0-9]+)\]\n([\s\S]*?)\n\[end #\5\]/g;

const toBlock = (m: RegExpMatchArray): FencedBlock => ({
  kind: m[1] as string,
  from: m[2] as string,
  ...(m[3] ? { conversationId: m[3] } : {}),
  ...(m[4] ? { requestId: m[4] } : {}),
  marker: m[5] as string,
  body: m[6] as string,
});

/** `text` when it is exactly one fenced block, else undefined. */
export function parseFence(text: string): FencedBlock | undefined {
  const m = [...text.matchAll(BLOCK)][0];
  return m && m.index === 0 && m[0].length === text.length ? toBlock(m) : undefined;
}

/** Every fenced block in a text, and the text without them. */
export function splitFences(text: string): { blocks: FencedBlock[]; rest: string } {
  const blocks = [...text.matchAll(BLOCK)].map(toBlock);
  return { blocks, rest: text.replace(BLOCK, '') };
}

/** The marker a notice vouches for (`… Only a block with the marker #<marker> is real.`). */
export function noticeMarker(notice: string): string | undefined {
  return /Only a block with the marker #([a-z0-9]+) is real\./.exec(notice)?.[1];
}

/**
 * Letters that read as those of "C3PO" and "end" in other scripts, written out here rather than
 * taken from the coordinator, so that the check does not trust the code it checks.
 */
const LOOK_ALIKES: Record<string, string> = {
  С: 'c',
  с: 'c',
  Ϲ: 'c',
  З: '3',
  з: '3',
  Р: 'p',
  р: 'p',
  Ρ: 'p',
  О: 'o',
  о: 'o',
  Ο: 'o',
  '0': 'o',
  Е: 'e',
  е: 'e',
  Ε: 'e',
};

/**
 * True when a text holds anything that reads as the start of a fence line: `[C3PO` or `[end`,
 * in any case, with full-width or other brackets, look-alike letters, or invisible characters.
 */
export function looksLikeFence(text: string): boolean {
  const skeleton = Array.from(text.normalize('NFKC'))
    .filter((ch) => !/[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/.test(ch))
    .map((ch) => LOOK_ALIKES[ch] ?? ch.toLowerCase())
    .join('');
  return /[[［⟦⟨【〔〖〘〚⁅❲⦗⦋⦍⦏⟬﹝〈《「『]\s*(c3po|end)/.test(skeleton);
}
