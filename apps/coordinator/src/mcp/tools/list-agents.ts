import type { ToolHandler } from '../define-tool.js';

export const listAgents: ToolHandler<'list_agents'> = async (_args, { services }) => ({
  agents: await services.agents.list(),
});
