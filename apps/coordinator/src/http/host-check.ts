/**
 * @module DNS-rebinding and browser protection: refuses a Host header the coordinator does not
 * serve, and requests from web pages (they carry an Origin) of other machines unless allowed.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A page served from this machine (`http://localhost:3000`); a rebinding attack has a foreign origin. */
function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopback(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** `example.com:8420` → `example.com`; `[::1]:8420` → `[::1]`. */
function hostname(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? host;
}

export interface HostCheckOptions {
  /** The address the server listens on. */
  listenHost: string;
  /** Host names accepted besides loopback ones (lower case). */
  allowedHosts: readonly string[];
  /** Origins accepted (lower case, e.g. `https://ui.example.com`). */
  allowedOrigins: readonly string[];
}

/**
 * On a loopback address only loopback Host names (and `allowedHosts`) are served, which defeats
 * DNS rebinding. On a network address any Host is served unless `allowedHosts` is set.
 */
export function hostCheck(opts: HostCheckOptions): MiddlewareHandler {
  const anyHost = !isLoopback(opts.listenHost) && opts.allowedHosts.length === 0;
  const allowed = new Set(opts.allowedHosts);
  const origins = new Set(opts.allowedOrigins);
  return async (c, next) => {
    const host = hostname(c.req.header('host') ?? '');
    if (!anyHost && !isLoopback(host) && !allowed.has(host)) {
      throw new AppError('forbidden', `This coordinator does not serve the host name "${host}".`, {
        hint: `If you reach it under that name on purpose, add it to C3PO_ALLOWED_HOSTS on the coordinator (e.g. C3PO_ALLOWED_HOSTS=${host}).`,
      });
    }
    const origin = c.req.header('origin');
    if (
      origin !== undefined &&
      !origins.has(origin.trim().toLowerCase()) &&
      !isLoopbackOrigin(origin)
    ) {
      throw new AppError('forbidden', `Requests from web pages (Origin ${origin}) are refused.`, {
        hint: 'To allow a trusted web origin, add it to C3PO_ALLOWED_ORIGINS on the coordinator.',
      });
    }
    await next();
  };
}
