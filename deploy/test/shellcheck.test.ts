/** Every shell script of the deployment passes shellcheck (CI installs it; a missing one fails). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/processes.js';
import { FAKES, REPO } from './helpers/repo.js';

const scripts = [
  ...readdirSync(join(REPO, 'scripts'))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => join(REPO, 'scripts', f)),
  ...readdirSync(FAKES).map((f) => join(FAKES, f)),
];

describe('shellcheck', () => {
  it('finds the scripts', () => {
    const names = scripts.map((s) => s.slice(REPO.length + 1));
    expect(names).toEqual(expect.arrayContaining(['scripts/deploy.sh', 'scripts/test-local.sh']));
  });

  it.each(scripts.map((s) => [s.slice(REPO.length + 1), s]))(
    'passes on %s',
    async (_name, path) => {
      const result = await run('shellcheck', ['--severity=style', '--external-sources', path]);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );

  it('is the real shellcheck: it flags an unquoted expansion', async () => {
    const result = await run('shellcheck', ['-s', 'bash', '-'], { input: 'rm -rf $DIR/*\n' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SC2086');
  });
});
