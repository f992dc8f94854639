/**
 * scripts/deploy.sh against a fake laptop and host (see helpers/fake-host.ts): the exact ssh and
 * docker commands of each subcommand, and what arrives on the host.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE,
  deployed,
  hostDocker,
  useFakeHosts,
  walk,
  withSecrets,
} from './helpers/deploy-calls.js';
import { dockerignore, parseDockerfile } from './helpers/dockerfile.js';
import type { FakeHostOptions } from './helpers/fake-host.js';
import { run } from './helpers/processes.js';
import { REPO } from './helpers/repo.js';

const setup = useFakeHosts();

describe('deploy.sh build', () => {
  it('sends only the sources the Dockerfile copies, then builds the image on the host', async () => {
    const host = setup();
    // Left over from an older version on the host: a deleted source file, and the host's settings.
    mkdirSync(join(host.home, 'c3po/apps/coordinator/src'), { recursive: true });
    writeFileSync(join(host.home, 'c3po/apps/coordinator/src/deleted-long-ago.ts'), '');
    mkdirSync(join(host.home, 'c3po/deploy'));
    writeFileSync(join(host.home, 'c3po/deploy/.env'), 'C3PO_ALLOWED_HOSTS=keep-me\n');
    withSecrets(host);

    const result = await host.deploy(['build']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('==> building c3po-coordinator:latest on me@nas.local');

    // What the Dockerfile copies from the context, as the .dockerignore filters it, plus what
    // Compose needs on the host: that and nothing more arrived.
    const ignored = dockerignore(
      readFileSync(join(REPO, 'deploy/Dockerfile.dockerignore'), 'utf8'),
    );
    const sources = parseDockerfile(readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8'))
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.flags.from)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const extra = ['deploy/Dockerfile', 'deploy/compose.yaml', 'deploy/.env.example'];
    const expected = [...new Set([...sources, ...extra])]
      .flatMap((src) =>
        statSync(join(REPO, src)).isDirectory() ? walk(join(REPO, src), REPO) : [src],
      )
      .filter((file) => !ignored(file));
    const shipped = walk(join(host.home, 'c3po')).filter(
      (f) => f !== 'deploy/.env' && !f.startsWith('deploy/secrets/'),
    );
    expect(shipped.sort()).toEqual([...new Set(expected)].sort());
    expect(
      shipped.some(
        (f) => f.includes('node_modules') || f.includes('/dist/') || f.endsWith('.test.ts'),
      ),
    ).toBe(false);
    expect(readFileSync(join(host.home, 'c3po/deploy/.env'), 'utf8')).toBe(
      'C3PO_ALLOWED_HOSTS=keep-me\n',
    );
    expect(readFileSync(join(host.home, 'c3po/deploy/secrets/admin-token'), 'utf8')).toBe(
      `${'a'.repeat(64)}\n`,
    );

    const build = host.calls().find((c) => c.argv[1] === 'build');
    expect(build).toEqual({
      side: 'remote',
      cwd: join(host.home, 'c3po'),
      image: '',
      argv: [
        'docker',
        'build',
        '--pull',
        '-t',
        'c3po-coordinator:latest',
        '-f',
        'deploy/Dockerfile',
        '.',
      ],
    });
    // Three ssh sessions: the checks, the tar stream, the build.
    expect(host.remoteCommands()).toHaveLength(3);
    expect(host.remoteCommands()[1]).toBe(
      "mkdir -p 'c3po' && cd 'c3po' && rm -rf libs apps && tar -xzf -",
    );
  });

  it('reports a failed image build', async () => {
    const host = setup();
    const result = await host.deploy(['build'], { FAKE_BUILD: 'fail' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ERROR: failed to solve');
    expect(result.stderr).toContain('the image build on me@nas.local failed');
  });
});

describe('deploy.sh push', () => {
  it('streams docker save through gzip into docker load on the host', async () => {
    const host = setup();
    const result = await host.deploy(['push'], { DEPLOY_IMAGE: 'c3po:test' });
    expect(result.code).toBe(0);
    const local = host
      .calls()
      .filter((c) => c.side === 'local')
      .map((c) => c.argv);
    expect(local).toEqual(
      expect.arrayContaining([
        ['docker', 'image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', 'c3po:test'],
        ['docker', 'save', 'c3po:test'],
      ]),
    );
    expect(hostDocker(host)).toContainEqual(['docker', 'load']);
    const loaded = gunzipSync(readFileSync(join(host.home, '..', 'state/loaded-image')));
    expect(loaded.toString()).toBe('fake image archive of c3po:test\n');
    // Compose needs its file on the host to run the pushed image; no sources are sent.
    expect(walk(join(host.home, 'c3po')).sort()).toEqual([
      'deploy/.env.example',
      'deploy/compose.yaml',
    ]);
  });

  it('refuses an image built for another platform than the host', async () => {
    const host = setup();
    const result = await host.deploy(['push'], {
      FAKE_LOCAL_PLATFORM: 'linux/arm64',
      FAKE_SERVER_PLATFORM: 'linux/amd64',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'c3po-coordinator:latest is built for linux/arm64 but me@nas.local runs linux/amd64. Rebuild it with --platform linux/amd64',
    );
    expect(host.calls().some((c) => c.argv[1] === 'save' || c.argv[1] === 'load')).toBe(false);
  });

  it('says how to build the image when there is none locally', async () => {
    const host = setup();
    const result = await host.deploy(['push'], { FAKE_LOCAL_IMAGE: 'absent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('there is no local image c3po-coordinator:latest');
    expect(result.stderr).toContain('docker buildx build --platform linux/amd64');
    expect(host.calls().some((c) => c.argv[0] === 'ssh')).toBe(false);
  });
});

describe('deploy.sh deploy', () => {
  const prepared = (opts: FakeHostOptions = {}) => deployed(setup(opts));

  it('runs compose up without building, then polls the health until healthy', async () => {
    const host = prepared();
    const result = await host.deploy(['deploy'], { FAKE_HEALTH: 'starting healthy' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('==> coordinator healthy');
    expect(hostDocker(host)).toEqual([
      ['docker', 'image', 'inspect', 'c3po-coordinator:latest'],
      ['docker', 'compose', ...COMPOSE, 'up', '-d', '--no-build', '--remove-orphans'],
      ['docker', 'compose', ...COMPOSE, 'ps', '-q', 'coordinator'],
      ['docker', 'inspect', '--format', '{{.State.Health.Status}}', '4f1c2d3e'],
      ['docker', 'compose', ...COMPOSE, 'ps', '-q', 'coordinator'],
      ['docker', 'inspect', '--format', '{{.State.Health.Status}}', '4f1c2d3e'],
    ]);
    const up = host.calls().find((c) => c.argv.includes('up'));
    expect(up?.image).toBe('c3po-coordinator:latest');
    expect(up?.cwd).toBe(join(host.home, 'c3po'));
  });

  it('uses docker-compose where the host only has Compose v1', async () => {
    const host = prepared({ docker: 'compose-v1' });
    const result = await host.deploy(['deploy']);
    expect(result.code).toBe(0);
    expect(hostDocker(host)).toContainEqual([
      'docker-compose',
      ...COMPOSE,
      'up',
      '-d',
      '--no-build',
      '--remove-orphans',
    ]);
  });

  it('shows the last logs and fails when the coordinator turns unhealthy', async () => {
    const host = prepared();
    const result = await host.deploy(['deploy'], { FAKE_HEALTH: 'starting unhealthy' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('c3po coordinator listening');
    expect(result.stderr).toContain(
      'the coordinator is not healthy on me@nas.local (state: unhealthy)',
    );
    expect(hostDocker(host).at(-1)).toEqual([
      'docker',
      'compose',
      ...COMPOSE,
      'logs',
      '--tail',
      '50',
      'coordinator',
    ]);
  });

  it('gives up after DEPLOY_HEALTH_TIMEOUT', async () => {
    const host = prepared();
    const result = await host.deploy(['deploy'], {
      FAKE_HEALTH: 'starting',
      DEPLOY_HEALTH_TIMEOUT: '0',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(state: starting)');
  });

  it('fails when compose up fails', async () => {
    const host = prepared();
    const result = await host.deploy(['deploy'], { FAKE_COMPOSE_UP: 'fail' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('port is already allocated');
    expect(result.stderr).toContain('docker compose up failed on me@nas.local');
  });

  it('says to run build first when the host has no Compose file or no image', async () => {
    const bare = setup();
    const noFiles = await bare.deploy(['deploy']);
    expect(noFiles.code).toBe(1);
    expect(noFiles.stderr).toContain(
      'me@nas.local:c3po/deploy/compose.yaml is missing. Run `scripts/deploy.sh build`',
    );
    const host = prepared();
    const noImage = await host.deploy(['deploy'], { FAKE_REMOTE_IMAGE: 'absent' });
    expect(noImage.code).toBe(1);
    expect(noImage.stderr).toContain('me@nas.local has no image c3po-coordinator:latest');
    expect(host.calls().some((c) => c.argv.includes('up'))).toBe(false);
  });

  it('without deploy/.env on the host, says how to create it', async () => {
    const host = prepared();
    rmSync(join(host.home, 'c3po/deploy/.env'));
    const result = await host.deploy(['deploy']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cp c3po/deploy/.env.example c3po/deploy/.env');
    expect(result.stderr).toContain('C3PO_ALLOWED_HOSTS');
    expect(host.calls().some((c) => c.argv.includes('up'))).toBe(false);
  });

  it('without the secret files on the host, says how to create them, and the command it gives works', async () => {
    for (const missing of ['admin-token', 'redis-password']) {
      const host = prepared();
      const keep = readFileSync(
        join(
          host.home,
          'c3po/deploy/secrets',
          missing === 'admin-token' ? 'redis-password' : 'admin-token',
        ),
        'utf8',
      );
      rmSync(join(host.home, 'c3po/deploy/secrets', missing));
      const result = await host.deploy(['deploy']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'the secrets are missing in me@nas.local:c3po/deploy/secrets (admin-token, redis-password)',
      );
      expect(host.calls().some((c) => c.argv.includes('up'))).toBe(false);

      // The command it prints, run on the host, creates the missing one and keeps the other.
      const command = /Create them on the host: (.*)$/m.exec(result.stderr)?.[1] ?? '';
      const made = await run('sh', ['-c', command.replaceAll('\\$', '$')], {
        cwd: host.home,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(made.code, made.stderr).toBe(0);
      const secrets = join(host.home, 'c3po/deploy/secrets');
      expect(readFileSync(join(secrets, missing), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
      const other = missing === 'admin-token' ? 'redis-password' : 'admin-token';
      expect(readFileSync(join(secrets, other), 'utf8')).toBe(keep);
      expect((await host.deploy(['deploy'])).code).toBe(0);
    }
  });

  it('an empty secret file counts as missing', async () => {
    const host = prepared();
    writeFileSync(join(host.home, 'c3po/deploy/secrets/redis-password'), '');
    const result = await host.deploy(['deploy']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the secrets are missing');
  });

  it('installs DEPLOY_ENV_FILE as the host .env, readable by its owner only', async () => {
    const host = prepared();
    const local = join(host.scratch, 'server.env');
    writeFileSync(local, 'C3PO_ADMIN_TOKEN=from-laptop\nC3PO_ALLOWED_HOSTS=nas.local\n');
    const result = await host.deploy(['deploy'], { DEPLOY_ENV_FILE: local });
    expect(result.code).toBe(0);
    const installed = join(host.home, 'c3po/deploy/.env');
    expect(readFileSync(installed, 'utf8')).toBe(
      'C3PO_ADMIN_TOKEN=from-laptop\nC3PO_ALLOWED_HOSTS=nas.local\n',
    );
    expect(statSync(installed).mode & 0o777).toBe(0o600);
  });
});

describe('deploy.sh status, logs, stop, full', () => {
  it('status shows the containers and the health answer; fails when unhealthy', async () => {
    const host = deployed(setup());
    const ok = await host.deploy(['status']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'c3po-coordinator-1   c3po-coordinator:latest   Up 2 minutes (healthy)',
    );
    expect(ok.stdout).toContain('"status":"ok"');
    expect(hostDocker(host)).toEqual([
      ['docker', 'compose', ...COMPOSE, 'ps'],
      [
        'docker',
        'compose',
        ...COMPOSE,
        'exec',
        '-T',
        'coordinator',
        'node',
        'deploy/healthcheck.mjs',
      ],
    ]);
    const bad = await host.deploy(['status'], { FAKE_PROBE: 'fail' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('"status":"degraded"');
    expect(bad.stderr).toContain('does not answer healthy');
  });

  it('logs passes its arguments to compose logs', async () => {
    const host = deployed(setup());
    const result = await host.deploy(['logs', '-f', 'redis']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('c3po coordinator listening');
    expect(hostDocker(host)).toEqual([
      ['docker', 'compose', ...COMPOSE, 'logs', '--tail', '200', '-f', 'redis'],
    ]);
  });

  it('stop stops the containers and keeps the data', async () => {
    const host = deployed(setup());
    const result = await host.deploy(['stop']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('the data volume is kept');
    expect(hostDocker(host)).toEqual([['docker', 'compose', ...COMPOSE, 'stop']]);
  });

  it('status, logs and stop say what to do when nothing is deployed there yet', async () => {
    const host = setup();
    for (const cmd of ['status', 'logs', 'stop']) {
      const result = await host.deploy([cmd]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'me@nas.local:c3po/deploy/compose.yaml is missing. Run `scripts/deploy.sh build`',
      );
    }
    expect(hostDocker(host)).toEqual([]);
  });

  it('full builds, deploys and reports status, in that order', async () => {
    const host = setup();
    mkdirSync(join(host.home, 'c3po/deploy'), { recursive: true });
    writeFileSync(join(host.home, 'c3po/deploy/.env'), 'C3PO_ALLOWED_HOSTS=nas.local\n');
    withSecrets(host);
    const result = await host.deploy(['full']);
    expect(result.code).toBe(0);
    const steps = hostDocker(host)
      .map((argv) => argv.find((a) => ['build', 'up', 'exec'].includes(a)))
      .filter(Boolean);
    expect(steps).toEqual(['build', 'up', 'exec']);
    expect(existsSync(join(host.home, 'c3po/apps/coordinator/src/main.ts'))).toBe(true);
  });
});
