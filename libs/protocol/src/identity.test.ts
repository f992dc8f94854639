import { describe, expect, it } from 'vitest';
import { resolveIdentity } from './identity.js';
import { sanitizeAgentName } from './ids.js';

describe('sanitizeAgentName', () => {
  it.each([
    ['my-project', 'my-project'],
    ['My Project (2)', 'My-Project-2'],
    ['.hidden', 'hidden'],
    ['__init__', 'init__'],
    ['café', 'caf'],
    ['a'.repeat(80), 'a'.repeat(64)],
    ['日本語', undefined],
    ['---', undefined],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeAgentName(input)).toBe(expected);
  });
});

describe('resolveIdentity', () => {
  it('uses X-Agent-ID when given', () => {
    expect(resolveIdentity({ agentId: 'laptop-api', projectDir: '/x/other' })).toEqual({
      ok: true,
      agentId: 'laptop-api',
      source: 'agent-id',
    });
  });

  it('falls back to the sanitised folder name for an empty or unexpanded agent id', () => {
    for (const agentId of [undefined, '', '  ', '${C3PO_AGENT_ID:-}']) {
      expect(resolveIdentity({ agentId, projectDir: '/home/me/My Repo/' })).toMatchObject({
        ok: true,
        agentId: 'My-Repo',
        source: 'project-dir',
      });
    }
  });

  it('refuses an explicit id that breaks the rule instead of rewriting it', () => {
    const result = resolveIdentity({ agentId: 'bad id', projectDir: '/x/fine' });
    expect(result).toMatchObject({ ok: false, code: 'invalid_agent_id' });
    expect(!result.ok && result.message).toMatch(/1-64 characters/);
    expect(!result.ok && result.hint).toMatch(/C3PO_AGENT_ID/);
  });

  it('reports missing identity when neither header is usable', () => {
    for (const projectDir of [undefined, '${PWD}', '/', '/tmp/日本']) {
      expect(resolveIdentity({ agentId: '', projectDir })).toMatchObject({
        ok: false,
        code: 'missing_identity',
      });
    }
  });
});
