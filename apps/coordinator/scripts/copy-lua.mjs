// tsc does not copy the Lua scripts next to the compiled store, nor the status page's files
// (src/web: HTML, script, style sheet) next to the compiled routes, so the build does.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/store/scripts', { recursive: true });
cpSync('src/store/scripts', 'dist/store/scripts', {
  recursive: true,
  filter: (src) => !src.endsWith('.ts'),
});
cpSync('src/web', 'dist/web', { recursive: true });
