#!/usr/bin/env node
// The `c3po` command. npm links a workspace's bin only when its file exists at install time, and
// dist/ is built after `npm install`, so the bin is this committed launcher of the built CLI.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(main)) {
  await import(main.href);
} else {
  process.stderr.write(
    'c3po: the coordinator is not built yet; run `npm run build` in the repository first.\n',
  );
  process.exitCode = 1;
}
