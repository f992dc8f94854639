/** Shared by the deploy.sh tests: fake hosts disposed after each test, and views of their calls. */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach } from 'vitest';
import { type FakeHost, type FakeHostOptions, fakeHost } from './fake-host.js';

/** Registers the cleanup in the calling test file and returns the factory of fake hosts. */
export function useFakeHosts() {
  const hosts: FakeHost[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.dispose();
  });
  return (opts: FakeHostOptions = {}) => {
    const host = fakeHost(opts);
    hosts.push(host);
    return host;
  };
}

/** Every file under `dir`, relative to `base`. */
export function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/** Makes DIR on the host look deployed: a Compose file, its .env and the secret files. */
export function deployed(host: FakeHost, dir = 'c3po') {
  mkdirSync(join(host.home, dir, 'deploy'), { recursive: true });
  writeFileSync(join(host.home, dir, 'deploy/compose.yaml'), 'services: {}\n');
  writeFileSync(join(host.home, dir, 'deploy/.env'), 'C3PO_ALLOWED_HOSTS=nas.local\n');
  withSecrets(host, dir);
  return host;
}

/** The secret files deploy/compose.yaml mounts, in DIR on the host. */
export function withSecrets(host: FakeHost, dir = 'c3po') {
  mkdirSync(join(host.home, dir, 'deploy/secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(join(host.home, dir, 'deploy/secrets/admin-token'), `${'a'.repeat(64)}\n`);
  writeFileSync(join(host.home, dir, 'deploy/secrets/redis-password'), `${'b'.repeat(64)}\n`);
  return host;
}

/** The options every compose call of deploy.sh starts with. */
export const COMPOSE = ['-p', 'c3po', '-f', 'deploy/compose.yaml', '--env-file', 'deploy/.env'];

/** The docker calls made on the host, without the preflight checks every command starts with. */
export function hostDocker(host: FakeHost) {
  return host
    .calls()
    .filter((c) => c.side === 'remote' && !['info', 'version'].includes(c.argv[1] ?? ''))
    .filter((c) => !(c.argv[1] === 'compose' && c.argv[2] === 'version'))
    .map((c) => c.argv);
}
