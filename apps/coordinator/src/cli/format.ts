/** @module How `c3po` prints for people: aligned tables, short times, and agents' text made safe. */

/** Columns padded to their widest cell, two spaces apart. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function span(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** `5 s ago`, `3 min ago`… */
export function ago(iso: string, nowMs = Date.now()): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  return s < 5 ? 'just now' : `${span(s)} ago`;
}

/** `in 3 min`… */
export function until(iso: string, nowMs = Date.now()): string {
  const s = Math.round((Date.parse(iso) - nowMs) / 1000);
  return s <= 0 ? 'now' : `in ${span(s)}`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local time of day, with the date when it is not today. */
export function when(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return d.toDateString() === now.toDateString()
    ? time
    : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

/**
 * Another agent's text for a terminal: control characters (escape sequences could rewrite the
 * screen) become visible `\xNN`; newlines and tabs stay.
 */
export function safe(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** Text on one line, cut to `max` characters. */
export function oneLine(text: string, max = 60): string {
  const flat = safe(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Every line indented by two spaces. */
export const indent = (text: string) =>
  safe(text)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
