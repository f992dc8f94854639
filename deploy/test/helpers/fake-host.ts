/**
 * A laptop and a Docker host for deploy.sh, inside temp folders. The laptop's PATH holds only the
 * tools deploy.sh may use plus the fake ssh and docker of deploy/test/fakes; the fake ssh runs
 * each remote command with a real sh in a folder playing the host's home, whose PATH holds a
 * fake docker (or none). Every ssh and docker call is recorded, on either side.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type Result, run } from './processes.js';
import { DEPLOY_SH, FAKES } from './repo.js';

export interface Call {
  side: 'local' | 'remote';
  /** Working directory of the call. */
  cwd: string;
  /** C3PO_IMAGE in the call's environment ('' when unset). */
  image: string;
  /** Program name then arguments, e.g. ['docker', 'build', ...]. */
  argv: string[];
}

export interface FakeHostOptions {
  /** Whether the laptop has ssh. */
  ssh?: boolean;
  /** What the host has: Compose v2 (`docker compose`), only v1 (`docker-compose`), or no docker. */
  docker?: 'compose-v2' | 'compose-v1' | 'none';
}

export interface FakeHost {
  /** The host's home folder; deploy.sh's default DEPLOY_DIR is `c3po` inside it. */
  home: string;
  /** A scratch folder for the test's own files. */
  scratch: string;
  /** Runs scripts/deploy.sh on the laptop with the fake environment plus `env`. */
  deploy(args: string[], env?: Record<string, string>): Promise<Result>;
  calls(): Call[];
  /** The remote commands given to ssh, in order. */
  remoteCommands(): string[];
  dispose(): void;
}

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  throw new Error(`${tool} is needed by the deploy.sh tests but is not on PATH`);
}

function binDir(path: string, tools: string[], fakes: Record<string, string>) {
  mkdirSync(path, { recursive: true });
  for (const tool of tools) symlinkSync(which(tool), join(path, tool));
  for (const [name, fake] of Object.entries(fakes))
    symlinkSync(join(FAKES, fake), join(path, name));
}

export function fakeHost(opts: FakeHostOptions = {}): FakeHost {
  const root = mkdtempSync(join(tmpdir(), 'c3po-deploy-sh-'));
  const home = join(root, 'host-home');
  const scratch = join(root, 'scratch');
  const log = join(root, 'calls.log');
  const state = join(root, 'state');
  for (const dir of [home, scratch, state]) mkdirSync(dir);
  writeFileSync(log, '');
  // A settings file of its own, so a developer's deploy.env never leaks into the tests.
  writeFileSync(join(scratch, 'deploy.env'), '');

  const laptopTools = [
    'bash',
    'sh',
    'dirname',
    'basename',
    'cat',
    'tar',
    'gzip',
    'mkdir',
    'rm',
    'sleep',
  ];
  const laptopFakes: Record<string, string> = { docker: 'docker', 'record.sh': 'record.sh' };
  if (opts.ssh !== false) laptopFakes.ssh = 'ssh';
  binDir(join(root, 'laptop-bin'), laptopTools, laptopFakes);

  const docker = opts.docker ?? 'compose-v2';
  const hostFakes: Record<string, string> = { 'record.sh': 'record.sh' };
  if (docker !== 'none') hostFakes.docker = 'docker';
  if (docker === 'compose-v1') hostFakes['docker-compose'] = 'docker';
  binDir(
    join(root, 'host-bin'),
    ['sh', 'cat', 'mkdir', 'mv', 'rm', 'tar', 'gzip', 'basename', 'dirname'],
    hostFakes,
  );

  const baseEnv: Record<string, string> = {
    PATH: join(root, 'laptop-bin'),
    HOME: scratch,
    DEPLOY_HOST: 'me@nas.local',
    DEPLOY_CONFIG: join(scratch, 'deploy.env'),
    FAKE_LOG: log,
    FAKE_STATE: state,
    FAKE_REMOTE_HOME: home,
    FAKE_REMOTE_PATH: join(root, 'host-bin'),
    ...(docker === 'compose-v1' ? { FAKE_DOCKER_COMPOSE: 'absent' } : {}),
  };

  const calls = (): Call[] =>
    readFileSync(log, 'utf8')
      .split('\u001e')
      .filter((rec) => rec !== '')
      .map((rec) => {
        const [side, cwd = '', image = '', ...argv] = rec.split('\u001f');
        return { side: side as Call['side'], cwd, image, argv };
      });

  return {
    home,
    scratch,
    deploy: (args, env = {}) =>
      run(DEPLOY_SH, args, { env: { ...baseEnv, ...env }, cwd: scratch, timeoutMs: 30_000 }),
    calls,
    remoteCommands: () =>
      calls()
        .filter((c) => c.argv[0] === 'ssh')
        .map((c) => c.argv.at(-1) as string),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
