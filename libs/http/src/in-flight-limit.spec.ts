import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { inFlightLimit } from './in-flight-limit';

/** An express app behind the limiter whose handler holds every request until `release()`. */
function gatedApp(max: number) {
  const limit = inFlightLimit(max);
  const started: string[] = [];
  let running = 0;
  let most = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const app = express();
  app.use(limit);
  app.get('/work/:id', (req, res) => {
    started.push(req.params.id);
    running++;
    most = Math.max(most, running);
    void gate.then(() => {
      running--;
      res.json({ id: req.params.id });
    });
  });
  return { app, limit, started, most: () => most, release: () => open() };
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('inFlightLimit (a real HTTP server)', () => {
  it('given more requests than the limit, when they arrive at once, then at most the limit run and the rest wait and succeed in arrival order', async () => {
    const g = gatedApp(2);
    const { server, url } = await listen(g.app);
    try {
      const answers: Promise<Response>[] = [];
      for (let i = 0; i < 5; i++) {
        answers.push(fetch(`${url}/work/${i}`));
        // Arrival order is the order the server saw the requests in.
        await until(() => g.limit.stats().active + g.limit.stats().waiting === i + 1);
      }
      expect(g.limit.stats()).toEqual({ active: 2, waiting: 3 });
      g.release();
      const statuses = await Promise.all(answers.map(async (a) => (await a).status));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(g.most()).toBe(2);
      expect(g.started).toEqual(['0', '1', '2', '3', '4']);
      await until(() => g.limit.stats().active === 0);
    } finally {
      server.close();
    }
  });

  it('given a waiting request whose client went away, when a slot frees, then the next request gets it', async () => {
    const g = gatedApp(1);
    const { server, url } = await listen(g.app);
    try {
      const first = fetch(`${url}/work/a`);
      await until(() => g.limit.stats().active === 1);
      const abort = new AbortController();
      const gone = fetch(`${url}/work/b`, { signal: abort.signal }).catch(() => 'aborted');
      await until(() => g.limit.stats().waiting === 1);
      const third = fetch(`${url}/work/c`);
      await until(() => g.limit.stats().waiting === 2);
      abort.abort();
      expect(await gone).toBe('aborted');
      await until(() => g.limit.stats().waiting === 1);
      g.release();
      expect([(await first).status, (await third).status]).toEqual([200, 200]);
      expect(g.started).toEqual(['a', 'c']);
    } finally {
      server.close();
    }
  });
});
