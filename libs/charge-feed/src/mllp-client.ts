import * as net from 'node:net';

/** MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): VT message FS CR. */
export const MLLP_START = 0x0b;
export const MLLP_END = Buffer.from([0x1c, 0x0d]);

/** Where the feed delivers: the EHR's MLLP listener. */
export interface MllpEndpoint {
  host: string;
  port: number;
}

/** The receiver's answer to one message (MSA-1, MSA-2, MSA-3 / ERR text). */
export interface MllpAck {
  /** AA/CA accepted; AE/CE error (a NAK: retried, then dead-lettered); AR/CR rejected. */
  code: string;
  controlId: string;
  text: string;
}

/** The message could not be delivered at all (connection refused, reset, no ACK in time). */
export class MllpTransportError extends Error {
  readonly code = 'CHARGES.MLLP_UNREACHABLE';
  constructor(message: string) {
    super(message);
    this.name = 'MllpTransportError';
  }
}

/** Parse an ACK: MSA-1 and MSA-2, and the first ERR/MSA-3 text; throws when it is no ACK at all. */
export function parseAck(text: string): MllpAck {
  const segments = text.split(/\r\n|\r|\n/).filter((s) => s.length > 0);
  const msh = segments.find((s) => s.startsWith('MSH'));
  const msa = segments.find((s) => s.startsWith('MSA'));
  if (!msh || !msa) throw new MllpTransportError('the answer is not an HL7 ACK (no MSH/MSA)');
  const sep = msh[3] ?? '|';
  const f = msa.split(sep);
  const err = segments.find((s) => s.startsWith('ERR'));
  const errText = err ? (err.split(sep)[8] ?? err.split(sep)[3] ?? '') : '';
  return { code: f[1] ?? '', controlId: f[2] ?? '', text: (f[3] || errText || '').slice(0, 500) };
}

/**
 * Send one message over a fresh MLLP connection and wait for its ACK. One message per connection
 * keeps a retry free of half-read state; charge volumes (one message per patient-month and billing
 * practitioner) make the connection cost immaterial.
 */
export function sendMllp(endpoint: MllpEndpoint, message: string, timeoutMs: number): Promise<MllpAck> {
  return new Promise<MllpAck>((resolve, reject) => {
    const socket = net.createConnection({ host: endpoint.host, port: endpoint.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, ack?: MllpAck): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(ack!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new MllpTransportError(`no ACK within ${timeoutMs} ms from ${endpoint.host}:${endpoint.port}`),
        ),
      timeoutMs,
    );
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from([MLLP_START]), Buffer.from(message, 'utf8'), MLLP_END]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(MLLP_END);
      if (end < 0) return;
      const start = received.indexOf(MLLP_START);
      try {
        finish(null, parseAck(received.subarray(start + 1, end).toString('utf8')));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(new MllpTransportError(`${endpoint.host}:${endpoint.port}: ${err.code ?? err.message}`)),
    );
    socket.on('close', () =>
      finish(new MllpTransportError(`${endpoint.host}:${endpoint.port} closed the connection before an ACK`)),
    );
  });
}
