/**
 * @module Prometheus metrics (prom-client), one registry per coordinator: what the adapters count
 * as calls go by, and what is read from the services when Prometheus scrapes. The list is in
 * docs/operations.md.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What a scrape reads from the running coordinator. */
export interface MetricsSources {
  /** Open wait_for_request / wait_for_response calls on this process. */
  waiters(): number;
  /** Open HTTP connections on this process. */
  connections(): number;
  /** Figures that need Redis: open requests, inbox depths, agents by status. */
  snapshot(): Promise<{
    openRequests: number;
    inboxMax: number;
    agents: Record<'online' | 'idle' | 'offline', number>;
  }>;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'c3po_' });
  const toolCalls = new Counter({
    name: 'c3po_tool_calls_total',
    help: 'MCP tool calls, by tool and outcome (ok, or the error code).',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  const toolSeconds = new Histogram({
    name: 'c3po_tool_call_duration_seconds',
    help: 'How long MCP tool calls took (waits included), by tool.',
    labelNames: ['tool'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 15, 45, 90],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'c3po_requests_total',
    help: 'Request lifecycle events seen by this process: sent, delivered, answered, cancelled, expired, dead_lettered.',
    labelNames: ['event'],
    registers: [registry],
  });
  const http = new Counter({
    name: 'c3po_http_responses_total',
    help: 'HTTP responses, by status class (2xx, 4xx, ...).',
    labelNames: ['class'],
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'c3po_redis_errors_total',
    help: 'Redis connection errors (each reconnect attempt that failed).',
    registers: [registry],
  });
  const redisReconnects = new Counter({
    name: 'c3po_redis_reconnects_total',
    help: 'Times a Redis connection came back after it was lost.',
    registers: [registry],
  });

  return {
    registry,
    toolCall(tool: string, outcome: string, seconds: number) {
      toolCalls.inc({ tool, outcome });
      toolSeconds.observe({ tool }, seconds);
    },
    requestEvent: (event: string) => requests.inc({ event }),
    httpResponse: (status: number) => http.inc({ class: `${Math.floor(status / 100)}xx` }),
    redisError: () => redisErrors.inc(),
    redisReconnect: () => redisReconnects.inc(),

    /** Registers the gauges read at scrape time. */
    watch(sources: MetricsSources) {
      new Gauge({
        name: 'c3po_waiters',
        help: 'Open wait_for_request / wait_for_response calls on this process.',
        registers: [registry],
        collect() {
          this.set(sources.waiters());
        },
      });
      new Gauge({
        name: 'c3po_http_connections',
        help: 'Open HTTP connections on this process.',
        registers: [registry],
        collect() {
          this.set(sources.connections());
        },
      });
      // One Redis read per scrape serves the gauges below. While Redis cannot be read, the
      // scrape still succeeds: c3po_redis_up is 0 and the three gauges keep their last values.
      type Snapshot = Awaited<ReturnType<MetricsSources['snapshot']>>;
      let pending: Promise<Snapshot | undefined> | undefined;
      const snapshot = () => {
        pending ??= sources
          .snapshot()
          .catch(() => undefined)
          .finally(() => {
            setTimeout(() => {
              pending = undefined;
            }, 1_000).unref();
          });
        return pending;
      };
      new Gauge({
        name: 'c3po_redis_up',
        help: 'Whether this scrape could read Redis (1) or not (0).',
        registers: [registry],
        async collect() {
          this.set((await snapshot()) ? 1 : 0);
        },
      });
      new Gauge({
        name: 'c3po_requests_open',
        help: 'Requests not answered, cancelled or expired yet (all coordinators).',
        registers: [registry],
        async collect() {
          const s = await snapshot();
          if (s) this.set(s.openRequests);
        },
      });
      new Gauge({
        name: 'c3po_inbox_depth_max',
        help: 'Unanswered requests in the fullest inbox of the 200 most recently seen agents.',
        registers: [registry],
        async collect() {
          const s = await snapshot();
          if (s) this.set(s.inboxMax);
        },
      });
      new Gauge({
        name: 'c3po_agents',
        help: 'Agents by status (of the 200 most recently seen).',
        labelNames: ['status'],
        registers: [registry],
        async collect() {
          const s = await snapshot();
          for (const [status, n] of Object.entries(s?.agents ?? {})) this.set({ status }, n);
        },
      });
    },
  };
}
