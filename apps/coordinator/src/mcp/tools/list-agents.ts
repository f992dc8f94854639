import type { ToolHandler } from '../tool-call.js';

export const listAgents: ToolHandler<'list_agents'> = (_args, { services }) =>
  services.agents.list();
