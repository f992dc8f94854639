import type { ToolHandler } from '../define-tool.js';

export const listAgents: ToolHandler<'list_agents'> = (_args, { services }) =>
  services.agents.list();
