/**
 * @module Entry point: config from the environment, the private Redis when no Redis is given,
 * start, and stop on SIGTERM/SIGINT.
 *
 * Exit codes: 0 after a graceful stop; 130 (SIGINT) or 143 (SIGTERM) when a second signal hurried
 * the stop; 1 when the coordinator could not start or failed while stopping.
 */
import { createRequire } from 'node:module';
import { ZodError, z } from 'zod';
import { loadConfig } from './config.js';
import { type EmbeddedRedis, EmbeddedRedisError, startEmbeddedRedis } from './embedded-redis.js';
import { createLogger, type Logger } from './logger.js';
import { type Coordinator, startCoordinator } from './start-coordinator.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The exit code after a stop hurried by this signal: 128 + its number, as a shell reports it. */
const HURRIED_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * A signal this soon after the first one is the same Ctrl-C: the terminal sends SIGINT to the
 * whole process group, and `npm start` forwards the SIGINT it got to us as well (measured: 3 ms
 * apart). A person pressing Ctrl-C twice is slower than this.
 */
const SAME_SIGNAL_MS = 500;

function fail(message: string): never {
  console.error(`c3po: ${message}`);
  process.exit(1);
}

/** The signal handler: stops on the first signal; a second one hurries the stop. */
function stopOnSignals(
  coordinator: Coordinator,
  embedded: EmbeddedRedis | undefined,
  logger: Logger,
) {
  let first: number | undefined;
  let hurried = false;
  return (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (first === undefined) {
      first = now;
      logger.info(
        { signal },
        'stopping: answering open waits with "retry", then closing (a second Ctrl-C stops at once)',
      );
      const graceful = async () => {
        try {
          await coordinator.stop();
        } finally {
          await embedded?.stop();
        }
      };
      graceful().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
      return;
    }
    if (hurried || now - first < SAME_SIGNAL_MS) return;
    hurried = true;
    // Open calls are cut off, but the private Redis still stops cleanly (its AOF synced): it
    // gets its SIGTERM and is waited for, however the coordinator's own stop is going.
    logger.warn({ signal }, 'second signal: stopping at once, without waiting for open calls');
    Promise.resolve(embedded?.stop()).then(
      () => process.exit(HURRIED_EXIT[signal] ?? 1),
      () => process.exit(1),
    );
  };
}

/** Until the coordinator runs, a signal is kept and acted on once it does. */
let earlySignal: NodeJS.Signals | undefined;
let onSignal = (signal: NodeJS.Signals) => {
  earlySignal ??= signal;
};

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ZodError) fail(`invalid configuration:\n${z.prettifyError(err)}`);
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Started here rather than by startCoordinator, so that a hurried stop can still stop it.
  let embedded: EmbeddedRedis | undefined;
  if (!config.redis.url && config.redis.clusterNodes.length === 0) {
    embedded = await startEmbeddedRedis({ ...config.redis, logger }).catch((err: unknown) => {
      if (err instanceof EmbeddedRedisError) fail(err.message);
      throw err;
    });
  }
  const redis = embedded ? { ...config.redis, url: embedded.url } : config.redis;
  let coordinator: Coordinator;
  try {
    coordinator = await startCoordinator({ ...config, redis }, logger, version);
  } catch (err) {
    await embedded?.stop();
    if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
      fail(
        `port ${config.http.port} is already in use. Stop the other process or set C3PO_PORT to another port.`,
      );
    }
    throw err;
  }
  logger.info(
    { url: coordinator.url, mcp: `${coordinator.url}/mcp`, version },
    'c3po coordinator listening',
  );
  onSignal = stopOnSignals(coordinator, embedded, logger);
  if (earlySignal) onSignal(earlySignal);
}

process.on('SIGTERM', (signal) => onSignal(signal));
process.on('SIGINT', (signal) => onSignal(signal));
main().catch((err: unknown) => {
  console.error('c3po: failed to start:', err);
  process.exit(1);
});
