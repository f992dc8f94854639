/**
 * The plugin as Claude Code sees it before any session: `claude plugin validate --strict` of the
 * plugin and of the repository's marketplace, the README's marketplace install run as written
 * against a clone and a git URL of this checkout, a session that loads the installed plugin, and
 * shellcheck of the hook script.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claudeBin,
  claudeCommand,
  PLUGIN_DIR,
  parseResult,
  runSession,
  stopAllSessions,
  TOOL,
} from './helpers/claude-session.js';
import { type CoordinatorProcess, startCoordinator } from './helpers/coordinator-process.js';
import { type FakeModel, startFakeModel } from './helpers/fake-model.js';
import { type GitServer, snapshotRepo, startGitServer } from './helpers/git-server.js';
import { HOOK_SCRIPT } from './helpers/hook-script.js';

const REPO_ROOT = join(PLUGIN_DIR, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'c3po-plugin-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('claude plugin validate --strict', () => {
  it('passes, as the issue asks, in its human form', () => {
    const run = claudeCommand(['plugin', 'validate', '--strict', PLUGIN_DIR], join(scratch, 'v1'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('✔ Validation passed');
  });

  it('finds exactly the five hooks, the MCP server and the skill, with no errors or warnings', () => {
    const run = claudeCommand(
      ['plugin', 'validate', '--strict', '--json', PLUGIN_DIR],
      join(scratch, 'v2'),
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      success: true,
      strict: true,
      manifest: { file: join(PLUGIN_DIR, '.claude-plugin/plugin.json'), errors: [], warnings: [] },
    });
    const hook = (event: string, route: string, matcher?: string) => ({
      event,
      ...(matcher ? { matcher } : {}),
      type: 'command',
      command: `sh "\${CLAUDE_PLUGIN_ROOT}/hooks/c3po-hook.sh" ${route}`,
    });
    expect(report.provides.hooks).toEqual([
      hook('SessionStart', 'session-start'),
      hook('UserPromptSubmit', 'prompt'),
      hook('Stop', 'stop'),
      hook('PostToolUse', 'post-tool-use', '*'),
      hook('SessionEnd', 'session-end'),
    ]);
    expect(report.provides.mcpServers).toEqual([
      { name: 'c3po', type: 'http', target: '${C3PO_COORDINATOR_URL:-http://localhost:8420}/mcp' },
    ]);
    expect(report.provides.skills).toEqual(['c3po:coordinate']);
    // The host it reaches by default is declared; what is left are the plugin directory's listing
    // advisories (an icon, a privacy policy URL), which do not apply to a self-hosted plugin.
    expect(report.hosts.named).toEqual([
      { host: 'localhost:8420', sources: [{ type: 'declared' }] },
    ]);
    expect(report.directory.findings.map((f: { code: string }) => f.code).sort()).toEqual([
      'ICON_MISSING',
      'PRIVACY_URL_MISSING',
    ]);
  });
});

/**
 * Runs the README's marketplace-install block with sh, as written, with `source` for the clone's
 * path. Asynchronously: the git server that claude clones from runs in this process.
 */
async function runReadmeInstall(source: string, home: string) {
  const readme = readFileSync(join(PLUGIN_DIR, 'README.md'), 'utf8');
  const block = /<!-- marketplace-install[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no marketplace-install block');
  expect(block).toContain('/path/to/c3po ');
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(home, { recursive: true });
  if (!existsSync(join(bin, 'claude'))) symlinkSync(claudeBin(), join(bin, 'claude'));
  const run = spawn('sh', ['-ec', block.replaceAll('/path/to/c3po ', `${source} `)], {
    env: {
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      TMPDIR: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // Anything not on loopback fails here instead of leaving the machine.
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let output = '';
  run.stdout.on('data', (d: Buffer) => (output += d));
  run.stderr.on('data', (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve) => run.once('close', resolve));
  return { code, output };
}

describe("the repository's marketplace, installed with the README's commands", () => {
  let coordinator: CoordinatorProcess;
  let fake: FakeModel;
  let git: GitServer;
  let clone: string;

  beforeAll(async () => {
    // What a user gets: a clone of this checkout, and the same repository behind a git URL.
    ({ clone } = snapshotRepo(REPO_ROOT, scratch));
    git = await startGitServer(scratch);
    coordinator = await startCoordinator();
    fake = await startFakeModel((r) =>
      r.results.length === 0
        ? { toolUse: { name: TOOL('list_agents'), input: {} } }
        : { text: 'Listed.' },
    );
  });

  afterAll(async () => {
    await stopAllSessions();
    await fake?.close();
    await coordinator?.stop();
    await git?.close();
  });

  it('passes claude plugin validate --strict, with no errors or warnings', () => {
    const run = claudeCommand(
      ['plugin', 'validate', '--strict', '--json', REPO_ROOT],
      join(scratch, 'v3'),
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      success: true,
      manifest: {
        file: join(REPO_ROOT, '.claude-plugin/marketplace.json'),
        type: 'marketplace',
        errors: [],
        warnings: [],
      },
    });
  });

  describe.each([
    ['a clone', 'clone', () => clone],
    ['its git URL', 'url', () => `${git.url}/c3po.git`],
  ])('added from %s', (_, name, source) => {
    const home = join(scratch, `home-${name}`);
    let install: { code: number | null; output: string };

    beforeAll(async () => {
      install = await runReadmeInstall(source(), home);
    });

    it('adds the marketplace c3po and installs c3po@c3po, enabled', () => {
      expect(install.code, install.output).toBe(0);
      expect(install.output).toContain('Successfully added marketplace: c3po');
      expect(install.output).toContain('Successfully installed plugin: c3po@c3po');
      const list = claudeCommand(['plugin', 'list', '--json'], home);
      expect(JSON.parse(list.stdout)).toContainEqual(
        expect.objectContaining({ id: 'c3po@c3po', enabled: true, version: '0.1.0' }),
      );
    });

    it('a session without --plugin-dir loads it: hooks, MCP server and tools, skill', async () => {
      const run = await runSession({
        prompt: 'Who is there?',
        modelUrl: fake.url,
        coordinatorUrl: coordinator.url,
        agentId: `installed-${name}`,
        home,
        pluginDir: null,
      });
      expect(run.result, run.stderr).toMatchObject({ subtype: 'success', result: 'Listed.' });
      const init = run.events.find((e) => e.event.subtype === 'init')?.event;
      expect(init?.plugins).toContainEqual(
        expect.objectContaining({ name: 'c3po', source: 'c3po@c3po' }),
      );
      expect(init?.mcp_servers).toContainEqual(
        expect.objectContaining({ name: 'plugin:c3po:c3po', status: 'connected' }),
      );
      expect(init?.skills).toContain('c3po:coordinate');
      const turns = fake.turns().filter((t) => t.at >= run.startedAt);
      expect(turns[0]?.texts.join('\n')).toContain(
        `connected to the coordinator at ${coordinator.url} as agent "installed-${name}"`,
      );
      const listed = turns.at(-1)?.results.find((x) => x.name === TOOL('list_agents'));
      expect(parseResult<{ agents: { agent_id: string }[] }>(listed?.text).agents).toContainEqual(
        expect.objectContaining({ agent_id: `installed-${name}` }),
      );
    });
  });
});

describe('the hook script', () => {
  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;

  // CI installs shellcheck; elsewhere a missing one shows as a skipped test, not a silent pass.
  it.skipIf(!shellcheck && !process.env.CI)('passes shellcheck as POSIX sh', () => {
    const run = spawnSync('shellcheck', ['--shell=sh', '--severity=style', HOOK_SCRIPT], {
      encoding: 'utf8',
    });
    expect(run.error?.message, 'shellcheck is not installed').toBeUndefined();
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
