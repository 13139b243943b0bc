import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as the receiver keeps it (OTLP/JSON `Span` with its resource's `service.name`). */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP status code (0 unset, 1 ok, 2 error) and its message. */
  status: { code: number; message: string };
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
export interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
        status?: { code?: number; message?: string };
        events?: { name: string; attributes?: OtlpAttribute[] }[];
      }[];
    }[];
  }[];
}

const valueOf = (v: OtlpValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));

const attributesOf = (list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/** One protobuf field: its number and its value (varint as bigint, fixed64 and bytes as a Buffer). */
interface PbField {
  n: number;
  v: bigint | Buffer;
}

/** The fields of one protobuf message (wire types 0, 1, 2 and 5; anything else is malformed). */
function pbFields(buf: Buffer): PbField[] {
  const out: PbField[] = [];
  let i = 0;
  const varint = (): bigint => {
    let r = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[i++]!;
      r |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return r;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const n = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ n, v: varint() });
    else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      out.push({ n, v: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('protobuf: truncated field');
      out.push({ n, v: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`protobuf: wire type ${wire}`);
  }
  return out;
}

const pbBytes = (fs: PbField[], n: number): Buffer[] =>
  fs.filter((f) => f.n === n && Buffer.isBuffer(f.v)).map((f) => f.v as Buffer);
const pbOne = (fs: PbField[], n: number): Buffer | undefined => pbBytes(fs, n)[0];
const pbInt = (fs: PbField[], n: number): number | undefined => {
  const f = fs.find((x) => x.n === n && typeof x.v === 'bigint');
  return f ? Number(BigInt.asIntN(64, f.v as bigint)) : undefined;
};

/** OTLP `KeyValue`s (common.proto: key 1, AnyValue 2 with string 1, bool 2, int 3, double 4). */
function pbAttributes(list: Buffer[]): OtlpAttribute[] {
  return list.map((kv) => {
    const f = pbFields(kv);
    const any = pbFields(pbOne(f, 2) ?? Buffer.alloc(0));
    const value: OtlpValue = {};
    const str = pbOne(any, 1);
    if (str) value.stringValue = str.toString('utf8');
    const bool = pbInt(any, 2);
    if (bool !== undefined) value.boolValue = bool !== 0;
    const int = pbInt(any, 3);
    if (int !== undefined) value.intValue = int;
    const dbl = pbOne(any, 4);
    if (dbl) value.doubleValue = dbl.readDoubleLE(0);
    return { key: (pbOne(f, 1) ?? Buffer.alloc(0)).toString('utf8'), value };
  });
}

/**
 * An OTLP/HTTP protobuf `ExportTraceServiceRequest` (trace.proto) as the JSON form's shape: ids as
 * lower-case hex, which is what the OTLP/JSON encoding sends, so one `add` serves both encodings.
 */
export function otlpProtobufToJson(body: Buffer): OtlpTraces {
  const hex = (b: Buffer | undefined): string | undefined =>
    b && b.length > 0 ? b.toString('hex') : undefined;
  return {
    resourceSpans: pbBytes(pbFields(body), 1).map((rsBuf) => {
      const rs = pbFields(rsBuf);
      const resource = pbOne(rs, 1);
      return {
        resource: { attributes: resource ? pbAttributes(pbBytes(pbFields(resource), 1)) : [] },
        scopeSpans: pbBytes(rs, 2).map((ssBuf) => ({
          spans: pbBytes(pbFields(ssBuf), 2).map((spanBuf) => {
            const s = pbFields(spanBuf);
            const status = pbFields(pbOne(s, 15) ?? Buffer.alloc(0));
            const parent = hex(pbOne(s, 4));
            return {
              traceId: hex(pbOne(s, 1)) ?? '',
              spanId: hex(pbOne(s, 2)) ?? '',
              ...(parent ? { parentSpanId: parent } : {}),
              name: (pbOne(s, 5) ?? Buffer.alloc(0)).toString('utf8'),
              kind: pbInt(s, 6) ?? 0,
              attributes: pbAttributes(pbBytes(s, 9)),
              status: {
                code: pbInt(status, 3) ?? 0,
                message: (pbOne(status, 2) ?? Buffer.alloc(0)).toString('utf8'),
              },
              events: pbBytes(s, 11).map((eBuf) => {
                const e = pbFields(eBuf);
                return {
                  name: (pbOne(e, 2) ?? Buffer.alloc(0)).toString('utf8'),
                  attributes: pbAttributes(pbBytes(e, 3)),
                };
              }),
            };
          }),
        })),
      };
    }),
  };
}

/**
 * An OTLP/HTTP trace receiver written for the tests: `POST /v1/traces` in either OTLP/HTTP encoding,
 * protobuf (what the apps' exporter sends, ADR 0310) or JSON, answered with an empty response of the
 * same encoding like a collector. Everything received is kept in {@link spans}; anything else is a
 * 404, a body of neither encoding a 400 (and listed in {@link rejected}).
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly rejected: string[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        const type = String(req.headers['content-type']);
        const body = Buffer.concat(chunks);
        if (type.startsWith('application/x-protobuf')) {
          this.add(otlpProtobufToJson(body));
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } else if (type.startsWith('application/json')) {
          this.add(JSON.parse(body.toString('utf8')) as OtlpTraces);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else throw new Error(`content-type ${type}`);
      } catch (err) {
        this.rejected.push(String(err));
        res.writeHead(400).end();
      }
    });
  }

  private add(body: OtlpTraces): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            service,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attributes: attributesOf(s.attributes),
            status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          });
        }
      }
    }
  }
}
