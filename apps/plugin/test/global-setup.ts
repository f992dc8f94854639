/**
 * Once per run: a real redis-server for the coordinators the tests start, and the pinned Claude
 * Code CLI. An install failure is handed to the Claude Code tests, which fail with it, so that the
 * hook tests still run and report on their own.
 */

import { startRedisServer } from '@c3po/test-support';
import type { TestProject } from 'vitest/node';
import { CLAUDE_CODE_VERSION, installClaudeCode } from './helpers/claude-install.js';

export default async function setup(project: TestProject) {
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  try {
    const bin = installClaudeCode((line) => process.stderr.write(`[c3po plugin tests] ${line}\n`));
    project.provide('claude', { bin, version: CLAUDE_CODE_VERSION });
  } catch (error) {
    project.provide('claude', {
      error: `Claude Code ${CLAUDE_CODE_VERSION} could not be installed from npm: ${(error as Error).message}`,
    });
  }
  return () => redis.dispose();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    claude: { bin: string; version: string } | { error: string };
  }
}
