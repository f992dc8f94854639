/**
 * The Compose file as Compose resolves it: `docker-compose config` (Debian's docker-compose,
 * which validates against the Compose Specification schema) run the way deploy.sh runs Compose,
 * from a folder laid out like a checkout whose deploy/ holds the real compose.yaml and a `.env`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type Result, run } from './processes.js';
import { DEPLOY_DIR } from './repo.js';

export interface ComposeService {
  image: string;
  build?: { context: string; dockerfile: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  secrets?: ({ source: string; target?: string } | string)[];
  user?: string;
  cap_drop?: string[];
  security_opt?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number };
  ports?: ({ published: number | string; target: number; host_ip?: string } | string)[];
  volumes?: string[];
  restart?: string;
  stop_grace_period?: string;
  read_only?: boolean;
  init?: boolean;
  tmpfs?: string[];
  networks?: Record<string, { aliases?: string[] } | null>;
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes: Record<string, { name?: string }>;
  secrets?: Record<string, { file?: string }>;
}

/**
 * A value of `docker-compose config` as the container gets it: the output keeps `$$` (a literal
 * `$` in the Compose file) escaped, so that it can be read again as a Compose file.
 */
export const composeValue = (value: string) => value.replaceAll('$$', '$');

/** `.env.example` with the given settings filled in (KEY=value lines replace or add). */
export function envFromExample(settings: Record<string, string>): string {
  let text = readFileSync(join(DEPLOY_DIR, '.env.example'), 'utf8');
  for (const [key, value] of Object.entries(settings)) {
    const line = new RegExp(`^#? ?${key}=.*$`, 'm');
    text = line.test(text) ? text.replace(line, `${key}=${value}`) : `${text}${key}=${value}\n`;
  }
  return text;
}

/** The files of deploy/ a Compose file may name (compose.replicas.yaml extends compose.yaml). */
const COMPOSE_FILES = ['compose.yaml', 'compose.replicas.yaml', 'nginx.conf'];

/**
 * Resolves `file` (compose.yaml unless given) with `envText` as deploy/.env, and the secret files
 * in deploy/secrets; `config` is set when Compose accepted it.
 */
export async function resolveCompose(
  envText: string,
  env: Record<string, string> = {},
  file = 'compose.yaml',
): Promise<Result & { root: string; config?: ComposeConfig }> {
  const root = mkdtempSync(join(tmpdir(), 'c3po-compose-'));
  try {
    mkdirSync(join(root, 'deploy/secrets'), { recursive: true, mode: 0o700 });
    for (const name of COMPOSE_FILES)
      symlinkSync(join(DEPLOY_DIR, name), join(root, 'deploy', name));
    writeFileSync(join(root, 'deploy/.env'), envText);
    writeFileSync(join(root, 'deploy/secrets/admin-token'), `${'a'.repeat(64)}\n`);
    writeFileSync(join(root, 'deploy/secrets/redis-password'), `${'b'.repeat(64)}\n`);
    const result = await run(
      'docker-compose',
      ['-p', 'c3po', '-f', `deploy/${file}`, '--env-file', 'deploy/.env', 'config'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
    );
    const config = result.code === 0 ? (parse(result.stdout) as ComposeConfig) : undefined;
    return { ...result, root, config };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
