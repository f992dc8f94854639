/**
 * @module The status page: one HTML file, its script and its style sheet, served from `src/web/`
 * (copied to `dist/web/` by the build) under a strict Content-Security-Policy. The page holds no
 * data: its script reads the operator routes with the token the viewer gives it.
 */
import { readFileSync } from 'node:fs';
import { ROUTES } from '@c3po/protocol';
import { type Context, Hono } from 'hono';
import { AppError } from '../../errors.js';

/** Nothing but this coordinator's own script, style sheet and API; no framing, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const WEB = new URL('../../web/', import.meta.url);

/** The files under `/ui/`, by name, with their media types. */
const ASSETS = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
} as const;

function send(c: Context, body: string, type: string) {
  c.header('Content-Type', type);
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-cache');
  return c.body(body);
}

export function statusPageRoutes() {
  const read = (name: string) => readFileSync(new URL(name, WEB), 'utf8');
  const page = read('index.html');
  const assets = new Map(
    Object.entries(ASSETS).map(([name, type]) => [name, { body: read(name), type }]),
  );
  return new Hono()
    .get(ROUTES.statusPage, (c) => send(c, page, 'text/html; charset=utf-8'))
    .get('/ui/:file', (c) => {
      const asset = assets.get(c.req.param('file'));
      if (!asset) {
        throw new AppError('not_found', `No file ${c.req.path}.`, {
          hint: `The status page is at ${ROUTES.statusPage}.`,
        });
      }
      return send(c, asset.body, asset.type);
    });
}
