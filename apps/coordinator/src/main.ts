/** @module Entry point: config from the environment, start, and stop on SIGTERM/SIGINT. */
import { createRequire } from 'node:module';
import { ZodError, z } from 'zod';
import { loadConfig } from './config.js';
import { EmbeddedRedisError } from './embedded-redis.js';
import { createLogger } from './logger.js';
import { startCoordinator } from './start-coordinator.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function fail(message: string): never {
  console.error(`c3po: ${message}`);
  process.exit(1);
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ZodError) fail(`invalid configuration:\n${z.prettifyError(err)}`);
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const coordinator = await startCoordinator(config, logger, version).catch((err: unknown) => {
    if (err instanceof EmbeddedRedisError) fail(err.message);
    if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
      fail(
        `port ${config.http.port} is already in use. Stop the other process or set C3PO_PORT to another port.`,
      );
    }
    throw err;
  });
  logger.info(
    { url: coordinator.url, mcp: `${coordinator.url}/mcp`, version },
    'c3po coordinator listening',
  );

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'stopping: answering open waits with "retry", then closing');
    coordinator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  console.error('c3po: failed to start:', err);
  process.exit(1);
});
