/** What the tools cost the model's context: name, description and input schema, as Claude Code sends them. */
import { type Proc, startCoordinator } from './processes.js';

export async function toolCosts(redis: Proc) {
  const coordinator = await startCoordinator(redis.url);
  try {
    const post = async (body: object) => {
      const res = await fetch(`${coordinator.url}/mcp`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'X-Agent-ID': 'bench-probe',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
      });
      return res.text();
    };
    const listText = await post({ method: 'tools/list' });
    const initText = await post({
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    });
    const tools = (
      JSON.parse(listText) as {
        result: { tools: { name: string; description: string; inputSchema: object }[] };
      }
    ).result.tools.map((t) => ({
      name: t.name,
      bytes: JSON.stringify({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema,
      }).length,
    }));
    const instructions =
      (JSON.parse(initText) as { result: { instructions?: string } }).result.instructions ?? '';
    return {
      tools,
      total: tools.reduce((sum, t) => sum + t.bytes, 0),
      listBytes: listText.length,
      instructionsBytes: Buffer.byteLength(instructions),
    };
  } finally {
    await coordinator.stop();
  }
}
