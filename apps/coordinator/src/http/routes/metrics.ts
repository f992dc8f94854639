/**
 * @module GET /metrics: Prometheus text format. Open like the status page (open mode); in token
 * mode it needs the admin token, a viewer token, or the metrics token (C3PO_METRICS_TOKEN), so a
 * scrape configuration holds nothing that can act as an agent.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Metrics } from '../../metrics.js';
import type { Services } from '../../service/create-services.js';
import { bearerToken } from '../bearer.js';

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function metricsRoutes(services: Services, metrics: Metrics, metricsToken?: string) {
  return new Hono().get('/metrics', async (c) => {
    const bearer = bearerToken(c);
    if (!(metricsToken && bearer && same(bearer, metricsToken))) {
      await services.auth.requireViewer(bearer);
    }
    return c.body(await metrics.registry.metrics(), 200, {
      'Content-Type': metrics.registry.contentType,
    });
  });
}
