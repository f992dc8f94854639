/** @module GET /api/health: 200 when Redis answers, 503 while it does not. */
import type { Health } from '@c3po/protocol';
import { Hono } from 'hono';
import type { Services } from '../../service/create-services.js';

/** A health check must answer quickly even when Redis hangs. */
const HEALTH_TIMEOUT_MS = 2_000;

export function healthRoutes(services: Services, version: string) {
  return new Hono().get('/health', async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('health check timed out')), HEALTH_TIMEOUT_MS);
    });
    try {
      const h = await Promise.race([services.health(), timeout]);
      const nodes = h.nodes.map((n) => ({
        node: n.node,
        ok: n.ok,
        ...(n.error ? { error: n.error } : {}),
      }));
      if (!h.ok) {
        return c.json(
          {
            status: 'degraded',
            redis: 'unreachable',
            mode: h.mode,
            nodes,
            version,
          } satisfies Health,
          503,
        );
      }
      return c.json({
        status: 'ok',
        redis: 'ok',
        mode: h.mode,
        nodes,
        agents_online: h.agentsOnline,
        waiters: h.waiters,
        version,
      } satisfies Health);
    } catch {
      return c.json({ status: 'degraded', redis: 'unreachable', version } satisfies Health, 503);
    } finally {
      clearTimeout(timer);
    }
  });
}
