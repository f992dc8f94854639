/** @module HTTP header and environment-variable names shared by the coordinator and the plugin. */

/** Request headers (lower case, as Node and the MCP SDK present them). */
export const HEADERS = {
  /** The agent this call acts as. Empty or an unexpanded `${…}` counts as missing. */
  agentId: 'x-agent-id',
  /** The folder Claude Code started in; its basename is the agent ID when `x-agent-id` is missing. */
  projectDir: 'x-project-dir',
  authorization: 'authorization',
  /** What the agent says it is for (at most 200 characters), shown to other agents in list_agents. */
  agentDescription: 'x-agent-description',
  /** Sent by hooks: the base URL they were configured with, to show it back to the agent. */
  coordinatorUrl: 'x-coordinator-url',
} as const;

/** Environment variables read on the client side (plugin, hooks). */
export const CLIENT_ENV = {
  coordinatorUrl: 'C3PO_COORDINATOR_URL',
  agentId: 'C3PO_AGENT_ID',
  token: 'C3PO_TOKEN',
  description: 'C3PO_AGENT_DESCRIPTION',
} as const;

/** The default base URL of the coordinator; the MCP endpoint is `<base>/mcp`. */
export const DEFAULT_COORDINATOR_URL = 'http://localhost:8420';
