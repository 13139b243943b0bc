import fc from 'fast-check';
import { type JsonSchema, type OpenApiDocument, resolveSchema } from './openapi';

/** Values that break parsers, validators and SQL in classic ways; the fuzzer mixes them in. */
const NASTY: unknown[] = [
  null,
  '',
  ' ',
  '\u0000',
  '\u202e',
  '😀'.repeat(3),
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '%00',
  '{{7*7}}',
  '${jndi:ldap://x}',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '2025-02-30',
  '2025-13-01T00:00:00Z',
  '2025-03-04T14:00:00',
  '2025-03-04T25:61:00+01:00',
  '9999-12-31T23:59:59+14:00',
  '0000-01-01',
  -1,
  0,
  1,
  1441,
  2 ** 31,
  -(2 ** 53),
  1e308,
  0.5,
  true,
  false,
  [],
  {},
  [null],
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  'x'.repeat(10_000),
];

/** Property names that hold free text (EVENTS.md): activity, reasons, care-plan content, names. */
const FREE_TEXT = new Set([
  'activity',
  'reason',
  'goals',
  'interventions',
  'problems',
  'name',
  'note',
  'notes',
]);

function freeText(marker: string, s: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const text = fc.string({ maxLength: 20 }).map((x) => `${marker} ${x}`);
  return s?.type === 'array' ? fc.array(text, { minLength: 1, maxLength: 3 }) : text;
}

const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<unknown>;
const nasty = fc.constantFrom(...NASTY);

function validString(s: JsonSchema): fc.Arbitrary<string> {
  if (s.enum && s.enum.length > 0) return fc.constantFrom(...(s.enum as string[]));
  switch (s.format) {
    case 'date-time':
      return fc
        .date({
          min: new Date('2024-01-01T00:00:00Z'),
          max: new Date('2026-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({
          min: new Date('2024-01-01T00:00:00Z'),
          max: new Date('2026-12-31T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uuid':
      return fc.uuid();
    default:
      break;
  }
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 256));
    } catch {
      /* a pattern fast-check cannot invert: fall through */
    }
  }
  return fc.string({ minLength: s.minLength ?? 1, maxLength: Math.min(s.maxLength ?? 40, 40) });
}

/**
 * An arbitrary of near-valid values of a schema: structurally right most of the time so that requests
 * get past the first check, with a mutation at a random depth (wrong type, boundary or hostile value,
 * missing required field, unknown field, prototype-pollution key) a good share of the time.
 * `mutationWeight` out of 10 is how often each node is mutated instead of generated validly.
 */
export function schemaArbitrary(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  mutationWeight = 1,
  depth = 0,
  /** When set, free-text properties (FREE_TEXT) carry this marker, so a PHI scan can look for it. */
  marker?: string,
  /** Known-good values by property name (ids that exist), mixed in so requests get past "unknown id". */
  samples: Record<string, unknown[]> = {},
  propertyName?: string,
): fc.Arbitrary<unknown> {
  const s = resolveSchema(doc, schema);
  const mutated = fc.oneof(nasty, json);
  if (!s || depth > 6) return fc.oneof(json, nasty);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : [];
  let valid: fc.Arbitrary<unknown>;
  if (s.oneOf || s.anyOf) {
    valid = fc.oneof(
      ...(s.oneOf ?? s.anyOf ?? []).map((x) =>
        schemaArbitrary(doc, x, mutationWeight, depth + 1, marker, samples),
      ),
    );
  } else if (s.enum && s.enum.length > 0) {
    valid = fc.constantFrom(...s.enum);
  } else if (types.includes('object')) {
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, ps] of Object.entries(props)) {
      record[name] =
        marker && FREE_TEXT.has(name)
          ? freeText(marker, resolveSchema(doc, ps))
          : schemaArbitrary(doc, ps, mutationWeight, depth + 1, marker, samples, name);
    }
    const requiredKeys = Object.keys(props).filter((k) => required.has(k));
    valid = fc
      .tuple(
        Object.keys(record).length > 0
          ? fc.record(record, { requiredKeys: requiredKeys as never[] })
          : fc.constant({}),
        // Now and then (1 in 10 each): drop a required key; add an unknown or prototype-pollution key.
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 9 },
          { arbitrary: fc.constantFrom(...(requiredKeys.length > 0 ? requiredKeys : ['-'])), weight: 1 },
        ),
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 9 },
          {
            arbitrary: fc.tuple(
              fc.constantFrom('unexpected', '__proto__', 'constructor', 'tenantId', 'eventId'),
              json,
            ),
            weight: 1,
          },
        ),
      )
      .map(([obj, drop, extra]) => {
        const o: Record<string, unknown> = { ...obj };
        if (drop !== null) delete o[drop];
        if (extra !== null)
          Object.defineProperty(o, extra[0], {
            value: extra[1],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return o;
      });
  } else if (types.includes('array')) {
    valid = fc.array(schemaArbitrary(doc, s.items, mutationWeight, depth + 1, marker, samples), {
      minLength: s.minItems ?? 0,
      maxLength: Math.min(s.maxItems ?? 4, 6),
    });
  } else if (types.includes('integer')) {
    valid = fc.integer({ min: s.minimum ?? -10, max: s.maximum ?? 2000 });
  } else if (types.includes('number')) {
    valid = fc.double({ min: s.minimum ?? -10, max: s.maximum ?? 2000, noNaN: true });
  } else if (types.includes('boolean')) {
    valid = fc.boolean();
  } else if (types.includes('string')) {
    valid = validString(s);
  } else {
    valid = json;
  }
  const known = [
    ...(propertyName ? (samples[propertyName] ?? []) : []),
    ...(s.example !== undefined && typeof s.example !== 'object' ? [s.example] : []),
  ];
  if (known.length > 0 && !types.includes('object') && !types.includes('array')) {
    valid = fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 9 }, { arbitrary: valid, weight: 1 });
  }
  return mutationWeight <= 0
    ? valid
    : fc.oneof(
        { arbitrary: valid, weight: 10 - mutationWeight },
        { arbitrary: mutated, weight: mutationWeight },
      );
}

/**
 * The fuzzer's body arbitrary for a command: half the time a structurally valid body built from known
 * values (so requests reach the deciders, the event store and idempotency), half the time the same with
 * hostile mutations at any depth.
 */
export function commandBodyArbitrary(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  marker: string,
  samples: Record<string, unknown[]>,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: schemaArbitrary(doc, schema, 0, 0, marker, samples), weight: 5 },
    { arbitrary: schemaArbitrary(doc, schema, 1, 0, marker, samples), weight: 5 },
  );
}
