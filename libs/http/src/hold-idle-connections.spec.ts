import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { holdIdleConnections } from './http-app';

/**
 * ADR 0407: an idle keep-alive socket must outlive the client's own idle timeout, or a request sent
 * on it as the server closes it is lost ("other side closed", CI run of 8da3e13). Node's default
 * announces 5 s and closes after about 6 s (measured on Node 20.20); Node's fetch keeps a socket 4 s, but
 * a client whose event loop is busy that long (the console suite generates 500 patients synchronously
 * between requests) reuses a socket whose close it has not yet read. One raw socket on loopback: a
 * request, 7 s idle, a second request on the same socket.
 */
jest.setTimeout(20_000);

const GET = 'GET /probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';

function listen(hold: boolean): Promise<Server> {
  const server = createServer((_req, res) => res.end('ok'));
  if (hold) holdIdleConnections(server, 65_000);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends one request on the socket; resolves with the status line, or 'closed' if the server closed it. */
function ask(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\nok')) done(text.split('\r\n')[0]!);
    };
    const onClose = (): void => done('closed');
    const done = (answer: string): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(answer);
    };
    if (socket.destroyed || socket.readyState !== 'open') return resolve('closed');
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(GET);
  });
}

async function secondAnswerAfterIdle(
  hold: boolean,
): Promise<{ first: string; second: string; keepAlive: string }> {
  const server = await listen(hold);
  const { port } = server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  let headers = '';
  socket.once('data', (c: Buffer) => (headers = c.toString('latin1')));
  const first = await ask(socket);
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  const second = await ask(socket);
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return { first, second, keepAlive: /keep-alive: (.*)\r\n/i.exec(headers)?.[1] ?? '' };
}

describe('holdIdleConnections', () => {
  it('given a socket idle 7 s, when a second request is sent on it, then the server still answers', async () => {
    const held = await secondAnswerAfterIdle(true);
    expect(held).toEqual({ first: 'HTTP/1.1 200 OK', second: 'HTTP/1.1 200 OK', keepAlive: 'timeout=65' });
  });

  it("given Node's default (the failure it prevents), then the same socket is closed before the second request", async () => {
    const bare = await secondAnswerAfterIdle(false);
    expect(bare).toEqual({ first: 'HTTP/1.1 200 OK', second: 'closed', keepAlive: 'timeout=5' });
  });
});
