import { TOOL_NAMES } from '@c3po/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from './helpers/coordinator.js';
import { postMcp } from './helpers/http.js';

let coordinator: TestCoordinator;
beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(() => coordinator.stop());

describe('tools/list', () => {
  it('lists every tool compactly: what the model reads stays small', async () => {
    const res = await postMcp(coordinator.url, { 'X-Agent-ID': 'probe' });
    expect(res.status).toBe(200);
    const tools = res.json<{
      result: { tools: { name: string; description: string; inputSchema: object }[] };
    }>().result.tools;
    expect(tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    // What Claude Code puts in the model's context for each tool: name, description, input schema.
    for (const t of tools) {
      const cost = JSON.stringify({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema,
      });
      expect(cost.length, t.name).toBeLessThan(2_200);
    }
    expect(res.text.length).toBeLessThan(16_000);
  });
});
