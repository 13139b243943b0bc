import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * Ports handed to a server that starts later (a child process, a broker) must not come from the
 * kernel's ephemeral range: between the check and the bind, any outbound connection of a parallel
 * test (a Kafka or PostgreSQL client) can take an ephemeral port as its source port, and the server
 * then fails with "port in use" (seen in CI on start.e2e). So ports are drawn from the band just
 * below that range, a slice of it per Jest worker so that two workers do not draw the same one.
 */
function portBand(): { from: number; to: number } {
  let low = 32768;
  let high = 60999;
  try {
    const [l, h] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (l && h) [low, high] = [l, h];
  } catch {
    // not Linux: keep the Linux defaults
  }
  if (low - 1 - 10_000 >= 1024) return { from: low - 10_000, to: low - 1 };
  return { from: high + 1, to: 65_534 };
}

const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  const band = portBand();
  const workers = 16;
  const worker = (Number(process.env.JEST_WORKER_ID) || 1) % workers;
  const slice = Math.floor((band.to - band.from + 1) / workers);
  const from = band.from + worker * slice;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (slice - 1));
    if (handedOut.has(port) || handedOut.has(port + 1)) continue;
    if (await portFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${from}-${from + slice - 1}`);
}

/** Two consecutive free ports (Kafka's broker port and controller port = broker + 1). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = await freePort();
    if (p < 65535 && !handedOut.has(p + 1) && (await portFree(p + 1))) {
      handedOut.add(p + 1);
      return p;
    }
  }
  throw new Error('no pair of consecutive free ports found');
}

/** `count` consecutive free ports (a local Kafka cluster: a broker and a controller port per node). */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = await freePort();
    const rest = Array.from({ length: count - 1 }, (_, i) => p + i + 1);
    if (p + count > 65535 || rest.some((x) => handedOut.has(x))) continue;
    if ((await Promise.all(rest.map(portFree))).every(Boolean)) {
      for (const x of rest) handedOut.add(x);
      return p;
    }
  }
  throw new Error(`no run of ${count} consecutive free ports found`);
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Polls `check` until it returns a truthy value; throws `what` after the deadline. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  deadlineMs: number,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
