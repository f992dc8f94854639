import { describe, expect, it } from 'vitest';
import { AgentPatternsSchema, matchesAgentPatterns } from './tokens.js';

describe('agent patterns', () => {
  it.each([
    [['laptop-*'], 'laptop-api', true],
    [['laptop-*'], 'laptop-', true],
    [['laptop-*'], 'desktop-api', false],
    [['laptop-*'], 'LAPTOP-api', false],
    [['agent-?'], 'agent-b', true],
    [['agent-?'], 'agent-bb', false],
    [['a.b'], 'aXb', false],
    [['ci', 'laptop-*'], 'ci', true],
    [['*'], 'anything.at_all-1', true],
  ])('%j matches %s: %s', (patterns, id, expected) => {
    expect(matchesAgentPatterns(patterns, id)).toBe(expected);
  });

  it('parses comma-separated patterns and rejects bad ones with the rule', () => {
    expect(AgentPatternsSchema.parse(' laptop-* , ci ')).toEqual(['laptop-*', 'ci']);
    const bad = AgentPatternsSchema.safeParse('laptop/*');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/letters, digits/);
    expect(AgentPatternsSchema.safeParse(' , ').error?.issues[0]?.message).toMatch(/at least one/);
  });
});
