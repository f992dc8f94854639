/**
 * scripts/deploy.sh against a fake laptop and host (see helpers/fake-host.ts): its usage, its
 * settings, and every failure it must report before changing anything on the host.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployed, hostDocker, useFakeHosts } from './helpers/deploy-calls.js';

const setup = useFakeHosts();

describe('deploy.sh usage', () => {
  it('--help lists every command and setting, and touches nothing', async () => {
    const host = setup();
    const result = await host.deploy(['--help']);
    expect(result.code).toBe(0);
    for (const word of [
      'full',
      'build',
      'push',
      'deploy',
      'status',
      'logs',
      'stop',
      'DEPLOY_HOST',
      'DEPLOY_DIR',
      'deploy.env',
    ]) {
      expect(result.stdout).toContain(word);
    }
    expect(host.calls()).toEqual([]);
  });

  it('without a command prints the usage and exits 2; an unknown command says how to get help', async () => {
    const host = setup();
    const none = await host.deploy([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: scripts/deploy.sh');
    const unknown = await host.deploy(['upgrade']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'upgrade'. Run scripts/deploy.sh --help");
    const extra = await host.deploy(['stop', 'now']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('stop takes no arguments');
    expect(host.calls()).toEqual([]);
  });
});

describe('deploy.sh fails early, before changing anything', () => {
  it('when DEPLOY_HOST is not set', async () => {
    const host = setup();
    const result = await host.deploy(['deploy'], { DEPLOY_HOST: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DEPLOY_HOST is not set');
    expect(result.stderr).toContain('deploy.env');
    expect(host.calls()).toEqual([]);
  });

  it('when this machine has no ssh', async () => {
    const host = setup({ ssh: false });
    const result = await host.deploy(['build']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ssh was not found on this machine');
    expect(host.calls()).toEqual([]);
  });

  it('when the host cannot be reached', async () => {
    const host = setup();
    const result = await host.deploy(['build'], { FAKE_SSH: 'unreachable' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ssh: connect to host nas.local port 22: Connection refused');
    expect(result.stderr).toContain('cannot reach me@nas.local over ssh');
    expect(result.stderr).toContain('`ssh me@nas.local true`');
    expect(host.calls().map((c) => c.argv[0])).toEqual(['ssh']);
  });

  it('when the host has no docker', async () => {
    const host = setup({ docker: 'none' });
    const result = await host.deploy(['deploy']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('docker is not installed on me@nas.local');
    expect(result.stderr).toContain('https://docs.docker.com/engine/install/');
  });

  it('when the Docker daemon is not usable by the ssh user', async () => {
    const host = setup();
    const result = await host.deploy(['status'], { FAKE_DOCKER_DAEMON: 'down' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the Docker daemon on me@nas.local cannot be used');
    expect(result.stderr).toContain('usermod -aG docker');
  });

  it('when the host has docker but no Compose', async () => {
    const host = setup();
    const result = await host.deploy(['stop'], { FAKE_DOCKER_COMPOSE: 'absent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Docker Compose is not installed on me@nas.local');
    expect(result.stderr).toContain('docker-compose-plugin');
    expect(hostDocker(host)).toEqual([]);
  });

  it('when a setting is malformed or deploy.env holds an unknown key', async () => {
    const host = setup();
    const timeout = await host.deploy(['deploy'], { DEPLOY_HEALTH_TIMEOUT: 'soon' });
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toContain(
      "DEPLOY_HEALTH_TIMEOUT must be a number of seconds, not 'soon'",
    );
    writeFileSync(join(host.scratch, 'deploy.env'), 'DEPLOY_HOTS=nas\n');
    const typo = await host.deploy(['status']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown setting 'DEPLOY_HOTS'");
    const missing = await host.deploy(['status'], {
      DEPLOY_CONFIG: join(host.scratch, 'nope.env'),
    });
    expect(missing.stderr).toContain('nope.env does not exist');
    expect(host.calls()).toEqual([]);
  });
});

describe('deploy.sh settings', () => {
  it('reads deploy.env, and the environment wins over it', async () => {
    const host = setup();
    writeFileSync(
      join(host.scratch, 'deploy.env'),
      '# my server\nDEPLOY_HOST=me@file-host\nDEPLOY_DIR="apps/c3po"\nDEPLOY_IMAGE=c3po:file\n',
    );
    deployed(host, 'apps/c3po');
    const result = await host.deploy(['stop'], { DEPLOY_HOST: '', DEPLOY_IMAGE: 'c3po:env' });
    expect(result.code).toBe(0);
    const stop = host.calls().find((c) => c.argv[1] === 'compose' && c.argv.includes('stop'));
    expect(stop?.cwd).toBe(join(host.home, 'apps/c3po'));
    expect(stop?.image).toBe('c3po:env');
    expect(host.calls().find((c) => c.argv[0] === 'ssh')?.argv).toContain('me@file-host');
  });

  it('quotes DEPLOY_DIR for the remote shell (spaces, quotes, $)', async () => {
    const host = setup();
    const dir = "my c3po's $HOME";
    deployed(host, dir);
    const result = await host.deploy(['logs'], { DEPLOY_DIR: dir });
    expect(result.code).toBe(0);
    const logs = host.calls().find((c) => c.argv.includes('logs'));
    expect(logs?.cwd).toBe(join(host.home, dir));
  });
});
