/** @module The bearer token of a request, if any (an empty one, or an unexpanded `${…}`, is none). */
import { HEADERS } from '@c3po/protocol';
import type { Context } from 'hono';

export function bearerToken(c: Context): string | undefined {
  const match = /^Bearer\s*(.*)$/i.exec(c.req.header(HEADERS.authorization)?.trim() ?? '');
  const token = match?.[1]?.trim();
  return token && !token.includes('${') ? token : undefined;
}
