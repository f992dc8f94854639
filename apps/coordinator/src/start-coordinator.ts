/**
 * @module Starts a whole coordinator (Redis connections, services, HTTP server) from a Config,
 * and stops it gracefully: stop accepting, answer open waits with "retry", drain, close.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { limitConnections } from './http/connection-limits.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createServices, type Services } from './service/create-services.js';
import { startMaintenance } from './service/maintenance.js';
import { createStore } from './store/create-store.js';
import { connectRedis, type RedisTarget } from './store/redis-client.js';

export interface Coordinator {
  /** Base URL, e.g. `http://127.0.0.1:8420`. */
  url: string;
  port: number;
  services: Services;
  /** Open HTTP connections. */
  connections(): number;
  /** Graceful stop; resolves when everything is closed. */
  stop(): Promise<void>;
}

export async function startCoordinator(
  config: Config,
  logger: Logger,
  version: string,
): Promise<Coordinator> {
  let target: RedisTarget;
  if (config.redis.clusterNodes.length > 0) target = { clusterNodes: config.redis.clusterNodes };
  else if (config.redis.url) target = { url: config.redis.url };
  else throw new Error('startCoordinator needs a Redis: REDIS_URL or REDIS_CLUSTER_NODES');
  const metrics = createMetrics();
  const redis = connectRedis(target, logger, {
    error: metrics.redisError,
    reconnect: metrics.redisReconnect,
  });
  const store = createStore(redis, config.redis.keyPrefix);
  const services = createServices(store, config, logger, {
    requestEvent: metrics.requestEvent,
  });
  const app = createApp({ services, config, logger, version, metrics });
  const stopMaintenance = startMaintenance(store, services.answers, config, logger);

  const server = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    stopMaintenance();
    await redis.close();
    throw err;
  }
  const connections = limitConnections(server as Server, config.http.connections);
  metrics.watch({
    waiters: services.waits.openCount,
    connections: connections.open,
    snapshot: () => services.overview.gauges(),
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    services.waits.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A kept-alive connection becomes idle when its last answer is written: close it then,
    // rather than at the end of the grace period.
    const closeIdle = () => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    };
    closeIdle();
    const sweeper = setInterval(closeIdle, 50);
    const grace = new Promise<void>((resolve) =>
      setTimeout(resolve, config.shutdownGraceMs).unref(),
    );
    await Promise.race([closed, grace]);
    clearInterval(sweeper);
    if ('closeAllConnections' in server) server.closeAllConnections();
    stopMaintenance();
    await redis.close();
  };
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    port,
    services,
    connections: connections.open,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
