import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOOL_NAMES } from './index.js';
import { describeTools, SERVER_INSTRUCTIONS } from './tool-descriptions.js';
import { createToolInputSchemas } from './tool-inputs.js';
import { ToolOutputSchemas } from './tool-outputs.js';
import { renderToolReference } from './tool-reference.js';

const texts = describeTools();
const inputs = createToolInputSchemas();

/** Every property name and enum value anywhere in a JSON Schema. */
function vocabulary(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) vocabulary(s, into);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && value && typeof value === 'object')
        for (const p of Object.keys(value)) into.add(p);
      if (key === 'enum' && Array.isArray(value)) for (const v of value) into.add(String(v));
      if (key === 'const') into.add(String(value));
      vocabulary(value, into);
    }
  }
  return into;
}

const known = new Set<string>(TOOL_NAMES);
for (const name of TOOL_NAMES) {
  vocabulary(z.toJSONSchema(inputs[name], { io: 'input' }), known);
  vocabulary(z.toJSONSchema(ToolOutputSchemas[name]), known);
}

describe('tool descriptions and server instructions', () => {
  it('cover every tool, each under the 2 KB Claude Code keeps', () => {
    expect(Object.keys(texts).sort()).toEqual([...TOOL_NAMES].sort());
    for (const { description } of Object.values(texts))
      expect(Buffer.byteLength(description)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(SERVER_INSTRUCTIONS)).toBeLessThanOrEqual(2048);
  });

  it('mention only fields, values and tools that exist', () => {
    const snake = /\b[a-z]+(?:_[a-z]+)+\b/g;
    for (const text of [...Object.values(texts).map((t) => t.description), SERVER_INSTRUCTIONS]) {
      for (const word of text.match(snake) ?? [])
        expect(known, `"${word}" is not a field or tool`).toContain(word);
    }
    for (const quoted of [
      'received',
      'timeout',
      'retry',
      'queued',
      'delivered',
      'declined',
      'success',
      'error',
    ]) {
      expect(known).toContain(quoted);
    }
  });

  it('match the reviewed text', () => {
    expect({ ...texts, instructions: SERVER_INSTRUCTIONS }).toMatchSnapshot();
  });
});

describe('docs/api.md', () => {
  it('holds the current tool reference (run npm run docs after changing a tool)', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderToolReference(TOOL_NAMES));
  });
});
