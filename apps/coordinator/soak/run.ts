/**
 * npm run soak: many agents exchanging requests through real coordinator processes, checked for
 * loss, duplicates and drained queues (see options.ts or --help). Exits 1 when the check fails.
 */
import { killStarted } from './environment.js';
import { HELP, parseSoakArgs, UsageError } from './options.js';
import { formatReport } from './report.js';
import { runSoak } from './soak.js';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<number> {
  let options: ReturnType<typeof parseSoakArgs>;
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`soak: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (options === 'help') {
    out(HELP);
    return 0;
  }
  const { json, ...rest } = options;
  err(
    `soak: ${rest.agents} agents, ${rest.requests} requests, ${rest.coordinators} coordinator(s)`,
  );
  const report = await runSoak(rest, err);
  out(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.failures.length === 0 ? 0 : 1;
}

// Ctrl-C or a crash in the middle: nothing it started outlives it.
process.once('exit', killStarted);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// Exits once what was written reached stdout (a pipe is written asynchronously).
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e: unknown) => {
    err(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
