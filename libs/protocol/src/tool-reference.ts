/**
 * @module Renders the MCP tool reference (docs/api.md) from the same schemas and texts the server
 * uses, so the documentation cannot drift from the tools.
 */
import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { AgentInfoSchema, DeliveredRequestSchema, ResponseSchema } from './messages.js';
import { describeTools } from './tool-descriptions.js';
import { createToolInputSchemas, type ToolName } from './tool-inputs.js';
import { ToolOutputSchemas } from './tool-outputs.js';

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.type === 'array' && s.items) return `${typeOf(s.items)}[]`;
  if (s.anyOf || s.oneOf) return 'object';
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

function table(schema: JsonSchema, withRequired: boolean): string {
  const rows = Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const required = withRequired ? ` | ${schema.required?.includes(name) ? 'yes' : 'no'}` : '';
    const text = (field.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return `| \`${name}\` | ${typeOf(field)}${required} | ${text} |`;
  });
  if (rows.length === 0) return '(none)\n';
  const head = withRequired
    ? '| field | type | required | meaning |\n| --- | --- | --- | --- |'
    : '| field | type | meaning |\n| --- | --- | --- |';
  return `${head}\n${rows.join('\n')}\n`;
}

const OBJECTS = [
  ['Agent', AgentInfoSchema],
  ['Request', DeliveredRequestSchema],
  ['Response', ResponseSchema],
] as const;

/** The "Tools" and "Objects" sections of docs/api.md. */
export function renderToolReference(
  names: readonly ToolName[],
  limits: Limits = DEFAULT_LIMITS,
): string {
  const texts = describeTools(limits);
  const inputs = createToolInputSchemas(limits);
  return names
    .map((name) => {
      const input = z.toJSONSchema(inputs[name], { io: 'input' }) as JsonSchema;
      const output = z.toJSONSchema(ToolOutputSchemas[name]) as JsonSchema;
      return [
        `### \`${name}\`: ${texts[name].title}`,
        '',
        texts[name].description,
        '',
        '**Input**',
        '',
        table(input, true),
        "**Result** (`structuredContent`, and the same JSON as text; other agents' words are fenced in their fields: see `notice`)",
        '',
        table(output, false),
      ].join('\n');
    })
    .concat(
      '## Objects\n',
      ...OBJECTS.map(
        ([title, schema]) =>
          `### ${title}\n\n${table(z.toJSONSchema(schema) as JsonSchema, false)}`,
      ),
    )
    .join('\n');
}
