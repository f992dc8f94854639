/** @module The Hono app: middlewares, REST routes and the MCP endpoint. No listening here. */
import { ROUTES } from '@c3po/protocol';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { agentAuth } from './http/agent-auth.js';
import type { AppEnv } from './http/app-env.js';
import { bodyLimit } from './http/body-limit.js';
import { createErrorHandler } from './http/error-handler.js';
import { hostCheck } from './http/host-check.js';
import { identity } from './http/identity.js';
import { adminRoutes } from './http/routes/admin.js';
import { healthRoutes } from './http/routes/health.js';
import { hookRoutes } from './http/routes/hooks.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { operatorRoutes } from './http/routes/operator.js';
import { pendingRoutes } from './http/routes/pending.js';
import { requestRoutes } from './http/routes/requests.js';
import { statusPageRoutes } from './http/routes/status-page.js';
import type { Logger } from './logger.js';
import { mcpRoutes } from './mcp/endpoint.js';
import type { Metrics } from './metrics.js';
import type { Services } from './service/create-services.js';

export interface AppDeps {
  services: Services;
  config: Pick<Config, 'http' | 'limits' | 'waits' | 'auth'>;
  logger: Logger;
  version: string;
  metrics?: Metrics;
}

export function createApp({ services, config, logger, version, metrics }: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(logger));
  if (metrics) {
    app.use(async (c, next) => {
      try {
        await next();
      } finally {
        metrics.httpResponse(c.res.status);
      }
    });
  }
  app.notFound((c) => {
    throw new AppError('not_found', `No route ${c.req.method} ${c.req.path}.`, {
      hint: `The coordinator serves / (status page), ${ROUTES.mcp} (MCP), ${ROUTES.health}, ${ROUTES.pending}, ${ROUTES.requests}, /api/operator/*, ${ROUTES.adminTokens}, /metrics and /api/hooks/* (for the plugin); docs/api.md describes them.`,
    });
  });
  app.use(
    hostCheck({
      listenHost: config.http.host,
      allowedHosts: config.http.allowedHosts,
      allowedOrigins: config.http.allowedOrigins,
    }),
  );
  if (config.http.allowedOrigins.length > 0) {
    // Only for origins the operator listed; without them no CORS header is ever sent.
    app.use(
      cors({
        origin: [...config.http.allowedOrigins],
        allowHeaders: [
          'Authorization',
          'Content-Type',
          'X-Agent-ID',
          'X-Project-Dir',
          'X-Agent-Description',
          'Mcp-Protocol-Version',
          'Last-Event-ID',
        ],
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      }),
    );
  }
  app.use(
    bodyLimit(config.http.maxBodyBytes, () => {
      throw new AppError(
        'payload_too_large',
        `The request body is over ${config.http.maxBodyBytes} bytes.`,
        {
          hint: `Messages, context and responses are limited to ${config.limits.maxTextBytes} bytes each; send less text.`,
        },
      );
    }),
  );
  app.route('/api', healthRoutes(services, version));
  if (metrics) app.route('/', metricsRoutes(services, metrics, config.auth.metricsToken));
  app.use('*', async (_c, next) => {
    if (services.waits.isStopping()) {
      throw new AppError('shutting_down', 'The coordinator is restarting.', {
        hint: 'Call again in a few seconds; nothing was lost.',
        retryAfterSeconds: 5,
      });
    }
    await next();
  });
  app.use(ROUTES.pending, identity(), agentAuth(services));
  app.use(ROUTES.mcp, identity());
  app.route('/api', adminRoutes(services));
  app.route('/api', pendingRoutes(services));
  app.route('/api', hookRoutes(services));
  app.route('/api', operatorRoutes(services, version));
  app.route('/api', requestRoutes(services, config.limits));
  app.route('/', statusPageRoutes());
  app.route(
    ROUTES.mcp,
    mcpRoutes({
      services,
      logger,
      version,
      maxTextBytes: config.limits.maxTextBytes,
      progressIntervalMs: config.waits.progressIntervalMs,
      ...(metrics ? { metrics } : {}),
    }),
  );
  return app;
}
