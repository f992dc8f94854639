/**
 * Git on loopback, the way a user gets C3PO: a snapshot of this checkout committed to a bare
 * repository, served over smart HTTP by `git http-backend` (so that `claude plugin marketplace add
 * <git URL>` can make its shallow clone), and a `git clone` of it, as a user's clone.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** Folders a checkout without git may hold that a clone would not. */
const UNTRACKED = new Set([
  '.git',
  'node_modules',
  'dist',
  'dist-bench',
  '.turbo',
  'data',
  'coverage',
]);

/** git with no user or system config, so that the tests see the same git everywhere. */
function git(args: string[], cwd: string, home: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'c3po tests',
      GIT_AUTHOR_EMAIL: 'tests@c3po.invalid',
      GIT_COMMITTER_NAME: 'c3po tests',
      GIT_COMMITTER_EMAIL: 'tests@c3po.invalid',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Commits what a clone of `repo` would hold once the working tree is committed (tracked files as
 * they are now, plus new files git does not ignore) into the bare repository `<scratch>/c3po.git`,
 * and clones that into `<scratch>/c3po`.
 */
export function snapshotRepo(repo: string, scratch: string): { bare: string; clone: string } {
  const home = join(scratch, 'git-home');
  const work = join(scratch, 'snapshot');
  mkdirSync(home, { recursive: true });
  mkdirSync(work, { recursive: true });
  if (existsSync(join(repo, '.git'))) {
    const files = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repo, home)
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(repo, f)));
    for (const file of files) {
      mkdirSync(dirname(join(work, file)), { recursive: true });
      copyFileSync(join(repo, file), join(work, file));
    }
  } else {
    // A checkout without git (an unpacked archive): everything but what a build or run makes.
    cpSync(repo, work, {
      recursive: true,
      filter: (src) => !UNTRACKED.has(basename(src)),
    });
  }
  git(['init', '-q', '-b', 'main'], work, home);
  git(['add', '-A'], work, home);
  git(['commit', '-q', '-m', 'snapshot of the working tree'], work, home);
  const bare = join(scratch, 'c3po.git');
  const clone = join(scratch, 'c3po');
  git(['clone', '-q', '--bare', work, bare], scratch, home);
  git(['clone', '-q', bare, clone], scratch, home);
  return { bare, clone };
}

export interface GitServer {
  /** `http://127.0.0.1:<port>`; a repository `<root>/x.git` is at `<url>/x.git`. */
  url: string;
  close(): Promise<void>;
}

/** Serves the bare repositories under `root`, read-only, with `git http-backend` as a CGI. */
export async function startGitServer(root: string): Promise<GitServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const header = (name: string) => String(req.headers[name] ?? '');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: header('content-type'),
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        // Protocol v2, which git clients ask for with this header.
        GIT_PROTOCOL: header('git-protocol'),
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: header('content-length') } : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    // CGI output: header lines, a blank line, then the body.
    let head: Buffer | undefined = Buffer.alloc(0);
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (!head) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
      head = undefined;
    });
    cgi.on('close', () => {
      if (head) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
