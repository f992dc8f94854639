/**
 * deploy/nginx.conf replayed outside Docker with Debian's nginx: the few places that name the
 * container's world (its port, Docker's DNS, the replicas' port) moved to the test's loopback
 * ports, and a DNS server of the test's own standing in for Docker's.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Started } from './processes.js';
import { DEPLOY_DIR } from './repo.js';

/** Debian's nginx (`apt-get install nginx-light`), as the tests run it. */
export function nginxBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  throw new Error(
    'nginx is needed by the proxy tests but is not installed: apt-get install -y nginx-light',
  );
}

/**
 * Runs nginx with `args`. Its stdout (the access log, /dev/stdout in nginx.conf) is the file
 * `stdoutFile`: nginx opens /dev/stdout, which works on the pipe Docker gives a container but not
 * on the socket Node gives a child. Its stderr (the error log) is collected.
 */
export function startNginx(args: readonly string[], stdoutFile: string): Started {
  const stdout = openSync(stdoutFile, 'a');
  const child = spawn(nginxBinary(), args, {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', stdout, 'pipe'],
  });
  closeSync(stdout);
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    exited,
    output: () => `${output}${readFileSync(stdoutFile, 'utf8')}`,
  };
}

/** Replaces `from` in `text`, which must occur exactly once (else the replay is out of date). */
function replaceOnce(text: string, from: string, to: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) {
    throw new Error(
      `deploy/nginx.conf has ${count} × "${from}" (the replay expects one): update test/helpers/nginx.ts`,
    );
  }
  return text.replace(from, to);
}

/** Where the replayed proxy listens, which DNS server it asks, and the replicas' port. */
export interface ProxyPlaces {
  listenPort: number;
  dnsPort: number;
  coordinatorPort: number;
}

/** deploy/nginx.conf with the container's places moved to the test's (see {@link ProxyPlaces}). */
export function replayedNginxConf(places: ProxyPlaces): string {
  let conf = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
  conf = replaceOnce(conf, 'listen 8420;', `listen 127.0.0.1:${places.listenPort};`);
  conf = replaceOnce(conf, 'resolver 127.0.0.11 ', `resolver 127.0.0.1:${places.dnsPort} `);
  conf = replaceOnce(
    conf,
    'set $coordinator coordinator:8420;',
    `set $coordinator coordinator:${places.coordinatorPort};`,
  );
  return conf;
}

/** A DNS server on a loopback UDP port that answers A queries for `name` with `addresses`. */
export async function startDnsServer(
  name: string,
  addresses: readonly string[],
): Promise<{ port: number; queries: () => number; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    queries += 1;
    // The question: labels up to a zero byte, then its type and class.
    const labels: string[] = [];
    let at = 12;
    while (at < query.length && (query[at] ?? 0) > 0) {
      const length = query[at] ?? 0;
      labels.push(query.subarray(at + 1, at + 1 + length).toString('latin1'));
      at += 1 + length;
    }
    const questionEnd = at + 5;
    const type = query.readUInt16BE(at + 1);
    const found = labels.join('.').toLowerCase() === name && type === 1;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // the query's id
    header.writeUInt16BE(found ? 0x8180 : 0x8183, 2); // a response; no error, or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(found ? addresses.length : 0, 6);
    const answers = found
      ? addresses.map((ip) => {
          const record = Buffer.alloc(16);
          record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
          record.writeUInt16BE(1, 2); // A
          record.writeUInt16BE(1, 4); // IN
          record.writeUInt32BE(1, 6); // TTL 1 s
          record.writeUInt16BE(4, 10);
          ip.split('.').forEach((part, i) => {
            record[12 + i] = Number(part);
          });
          return record;
        })
      : [];
    socket.send(
      Buffer.concat([header, query.subarray(12, questionEnd), ...answers]),
      peer.port,
      peer.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    queries: () => queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
