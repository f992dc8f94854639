/**
 * The docs that list what the code reads or writes, compared with the code itself, so that they
 * cannot fall behind: docs/setup.md (every environment variable of the coordinator, the plugin and
 * the `c3po` command) and docs/operations.md (every Redis key keys.ts builds).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CliEnvSchema } from './cli/cli-env.js';
import { EnvSchema, loadConfig } from './config.js';
import { createKeys } from './store/keys.js';

const REPO = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, REPO), 'utf8');

/** The text of a Markdown section, from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = (lines[start] ?? '').indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The first cell of each table row, when it is one `code` span: the variable (or key) it lists. */
function firstCells(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string);
}

/** The default column of each row, by its first cell. */
function defaults(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)].map((m) => [
      m[1] as string,
      (m[2] as string).trim(),
    ]),
  );
}

const setup = read('docs/setup.md');

describe('docs/setup.md', () => {
  const coordinator = section(setup, 'The coordinator');

  it('lists every variable the coordinator reads, and no other', () => {
    const schema = Object.keys(EnvSchema.shape);
    // The variables that may come from a file instead: loadConfig reads the file `<NAME>_FILE` names.
    const fromFile = schema.filter((name) => {
      const read: string[] = [];
      try {
        loadConfig({ [`${name}_FILE`]: '/secret' }, '/', (path) => {
          read.push(path);
          return 'x'.repeat(32);
        });
      } catch {
        // Only whether the file was read matters here.
      }
      return read.includes('/secret');
    });
    expect(fromFile.length).toBeGreaterThan(0);
    const expected = [...schema, ...fromFile.map((name) => `${name}_FILE`)].sort();
    const documented = firstCells(coordinator);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
    expect([...documented].sort()).toEqual(expected);
  });

  it("gives each numeric setting the schema's default", () => {
    const parsed = EnvSchema.parse({}) as Record<string, unknown>;
    const documented = defaults(coordinator);
    const numeric = Object.entries(parsed).filter(([, value]) => typeof value === 'number');
    expect(numeric.length).toBeGreaterThan(10);
    for (const [name, value] of numeric) expect(documented.get(name), name).toBe(`\`${value}\``);
    expect(documented.get('LOG_LEVEL')).toBe(`\`${parsed.LOG_LEVEL}\``);
    expect(documented.get('C3PO_KEY_PREFIX')).toBe(`\`${parsed.C3PO_KEY_PREFIX}\``);
    expect(documented.get('C3PO_HOST')).toBe(`\`${parsed.C3PO_HOST}\``);
  });

  it('lists every variable the plugin expands in .mcp.json and its hooks, and no other', () => {
    const files = [
      'apps/plugin/.mcp.json',
      ...readdirSync(new URL('apps/plugin/hooks/', REPO))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => `apps/plugin/hooks/${f}`),
    ];
    const used = new Set(
      files.flatMap((f) => [...read(f).matchAll(/\$\{?(C3PO_[A-Z0-9_]+)/g)].map((m) => m[1])),
    );
    expect(used.size).toBeGreaterThan(2);
    expect(firstCells(section(setup, 'The plugin')).sort()).toEqual([...used].sort());
  });

  it('lists every variable the c3po command reads, and no other', () => {
    const schema = Object.keys(CliEnvSchema.in.shape);
    expect(firstCells(section(setup, 'The `c3po` command')).sort()).toEqual(schema.sort());
  });
});

describe('docs/operations.md, Redis keys', () => {
  /** Placeholders for the parameters of the key builders, by parameter name. */
  const PLACEHOLDERS: Record<string, string[]> = {
    a: ['<agent>'],
    requestId: ['<id>'],
    digest: ['<digest>'],
    c: ['<conversation>'],
    id: ['<conversation>'],
    session: ['<session>'],
    hook: ['stop', 'tool'],
  };

  /** Every key (and channel) keys.ts builds, with placeholders for its parts. */
  function builtKeys(): string[] {
    const out: string[] = [];
    for (const [name, value] of Object.entries(createKeys('c3po'))) {
      if (typeof value === 'string') {
        out.push(value);
        continue;
      }
      const params = /^\(?([^)=]*)\)?\s*=>/
        .exec(value.toString())?.[1]
        ?.split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
      if (!params) throw new Error(`cannot read the parameters of keys.${name}`);
      let combos: string[][] = [[]];
      for (const p of params) {
        const options = PLACEHOLDERS[p];
        if (!options) throw new Error(`keys.${name}: add a placeholder for its parameter "${p}"`);
        combos = combos.flatMap((c) => options.map((o) => [...c, o]));
      }
      for (const args of combos) out.push((value as (...a: string[]) => string)(...args));
    }
    return out;
  }

  it('has a row for every key keys.ts builds, and no other', () => {
    const table = section(read('docs/operations.md'), 'Redis keys');
    const documented = firstCells(table).flatMap((key) => {
      // `<stop\|tool>` in a table cell stands for either word.
      const either = /<([a-z]+)\\\|([a-z]+)>/.exec(key);
      return either
        ? [key.replace(either[0], either[1] as string), key.replace(either[0], either[2] as string)]
        : [key];
    });
    expect(documented.sort()).toEqual(builtKeys().sort());
  });
});
