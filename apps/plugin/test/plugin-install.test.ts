/**
 * The plugin as Claude Code sees it before any session: `claude plugin validate --strict`, the
 * README's marketplace install run as written, a session that loads the installed copy, and
 * shellcheck of the hook script.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
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
import { HOOK_SCRIPT } from './helpers/hook-script.js';

const scratch = mkdtempSync(join(tmpdir(), 'c3po-plugin-install-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('claude plugin validate --strict', () => {
  it('passes, as the issue asks, in its human form', () => {
    const run = claudeCommand(['plugin', 'validate', '--strict', PLUGIN_DIR], join(scratch, 'v1'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('✔ Validation passed');
  });

  it('finds exactly the four hooks, the MCP server and the skill, with no errors or warnings', () => {
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
      hook('Stop', 'stop'),
      hook('PostToolUse', 'post-tool-use', '*'),
      hook('SessionEnd', 'session-end'),
    ]);
    expect(report.provides.mcpServers).toEqual([
      { name: 'c3po', type: 'http', target: '${C3PO_COORDINATOR_URL:-http://localhost:8420}/mcp' },
    ]);
    expect(report.provides.skills).toEqual(['c3po:coordinate']);
  });
});

describe("installed from a local marketplace, with the README's commands", () => {
  const home = join(scratch, 'home');
  let coordinator: CoordinatorProcess;
  let fake: FakeModel;
  let install: { code: number | null; output: string };

  beforeAll(async () => {
    // The README's block, run by sh with the path of this checkout as the clone's path.
    const readme = readFileSync(join(PLUGIN_DIR, 'README.md'), 'utf8');
    const block = /<!-- marketplace-install[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!block) throw new Error('README.md has no marketplace-install block');
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    mkdirSync(home, { recursive: true });
    symlinkSync(claudeBin(), join(bin, 'claude'));
    const run = spawnSync('sh', ['-ec', block.replace('/path/to/c3po/apps/plugin', PLUGIN_DIR)], {
      env: {
        PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
        HOME: home,
        TMPDIR: home,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    install = { code: run.status, output: `${run.stdout}${run.stderr}` };
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
  });

  it('adds the marketplace and installs c3po@c3po-local, enabled', () => {
    expect(install.code, install.output).toBe(0);
    expect(install.output).toContain('Successfully installed plugin: c3po@c3po-local');
    const list = claudeCommand(['plugin', 'list', '--json'], home);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ id: 'c3po@c3po-local', enabled: true, version: '0.1.0' }),
    );
  });

  it('a session without --plugin-dir loads it: hooks, MCP tools and skill', async () => {
    const run = await runSession({
      prompt: 'Who is there?',
      modelUrl: fake.url,
      coordinatorUrl: coordinator.url,
      agentId: 'installed-agent',
      home,
      pluginDir: null,
    });
    expect(run.result, run.stderr).toMatchObject({ subtype: 'success', result: 'Listed.' });
    const init = run.events.find((e) => e.event.subtype === 'init')?.event;
    expect(init?.plugins).toContainEqual(
      expect.objectContaining({ name: 'c3po', source: 'c3po@c3po-local' }),
    );
    expect(init?.skills).toContain('c3po:coordinate');
    const [first, last] = [fake.turns()[0], fake.turns().at(-1)];
    expect(first?.texts.join('\n')).toContain(
      `connected to the coordinator at ${coordinator.url} as agent "installed-agent"`,
    );
    const listed = last?.results.find((x) => x.name === TOOL('list_agents'));
    expect(parseResult<{ agents: { agent_id: string }[] }>(listed?.text).agents).toContainEqual(
      expect.objectContaining({ agent_id: 'installed-agent' }),
    );
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
