// tsc does not copy the Lua scripts next to the compiled store, so the build does.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/store/scripts', { recursive: true });
cpSync('src/store/scripts', 'dist/store/scripts', {
  recursive: true,
  filter: (src) => !src.endsWith('.ts'),
});
