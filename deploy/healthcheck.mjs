// The container's health probe (the Dockerfile's HEALTHCHECK and compose.yaml): exits 0 only when
// the coordinator answers /api/health with 200, so Docker reports the container unhealthy while
// Redis is unreachable. Plain Node because the slim image has no curl, and adding one costs size.
// It prints the health JSON: Docker keeps it in the container's health log and
// `scripts/deploy.sh status` shows it.

// biome-ignore lint/style/noProcessEnv: the port is the one the coordinator reads from its environment.
const port = process.env.C3PO_PORT || '8420';
const url = `http://127.0.0.1:${port}/api/health`;

try {
  // Shorter than the HEALTHCHECK timeout, so a hung coordinator fails with a message, not a kill.
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.stdout.write(`${await res.text()}\n`);
  process.exitCode = res.status === 200 ? 0 : 1;
} catch (err) {
  // fetch reports "fetch failed"; the cause says why (ECONNREFUSED, a timeout, ...).
  const reason = err?.cause?.message ?? err?.message ?? String(err);
  process.stderr.write(`c3po health: ${url}: ${reason}\n`);
  process.exitCode = 1;
}
