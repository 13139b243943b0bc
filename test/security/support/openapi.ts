/** The parts of an OpenAPI 3 document the security suites read. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

/** A JSON Schema as @nestjs/swagger emits it (the subset the fuzzer understands). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  nullable?: boolean;
  example?: unknown;
}

/** One HTTP operation of an app, as its OpenAPI document declares it. */
export interface Endpoint {
  app: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path template (`/v1/tenants/{tenantId}/patients/{patientId}/care-time`). */
  path: string;
  operationId: string;
  pathParams: string[];
  queryParams: { name: string; required: boolean; schema?: JsonSchema }[];
  bodySchema?: JsonSchema;
  /** True when the body is JSON (`application/json` or `+json`). */
  jsonBody: boolean;
}

/** Paths that are public by design (health checks, the OpenAPI document itself). */
export const PUBLIC_PATHS = [/^\/health$/, /^\/docs/, /^\/fhir\/R4\/metadata$/];

/** The FHIR base (ADR 1110): its routes are documented by the CapabilityStatement, not by OpenAPI. */
export const FHIR_BASE_PATH = '/fhir/R4';

/** The parts of a FHIR CapabilityStatement the matrix reads (rest[].resource[] and rest[] level). */
export interface CapabilityDocument {
  rest?: {
    interaction?: { code: string }[];
    operation?: { name: string }[];
    resource?: { type: string; interaction?: { code: string }[]; operation?: { name: string }[] }[];
  }[];
}

/** The HTTP form of each FHIR RESTful interaction (FHIR R4 http.html); `#code` for one the matrix does not know. */
const FHIR_INTERACTIONS: Record<string, { method: Endpoint['method']; suffix: string }> = {
  read: { method: 'GET', suffix: '/{id}' },
  vread: { method: 'GET', suffix: '/{id}/_history/{vid}' },
  'history-instance': { method: 'GET', suffix: '/{id}/_history' },
  'history-type': { method: 'GET', suffix: '/_history' },
  'search-type': { method: 'GET', suffix: '' },
  create: { method: 'POST', suffix: '' },
  update: { method: 'PUT', suffix: '/{id}' },
  patch: { method: 'PATCH', suffix: '/{id}' },
  delete: { method: 'DELETE', suffix: '/{id}' },
  transaction: { method: 'POST', suffix: '' },
  batch: { method: 'POST', suffix: '' },
  'search-system': { method: 'GET', suffix: '/_search' },
  'history-system': { method: 'GET', suffix: '/_history' },
};

/**
 * Every operation the FHIR base declares in its CapabilityStatement (issue 20: "the FHIR base
 * included"), as matrix endpoints of `app`: per resource type its interactions and operations
 * (`/fhir/R4/Condition/{id}`, `/fhir/R4/Patient/$export`), and the system-level ones (`POST /fhir/R4`
 * for a transaction, `/fhir/R4/$export`). An interaction code the matrix does not know becomes an
 * endpoint `…#code`, which no rule matches, so a new capability fails the matrix until it is decided.
 */
export function endpointsOfCapability(app: string, cs: CapabilityDocument): Endpoint[] {
  const out = new Map<string, Endpoint>();
  const add = (method: Endpoint['method'], path: string, operationId: string) =>
    out.set(`${method} ${path}`, {
      app,
      method,
      path,
      operationId,
      pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]!),
      queryParams: [],
      jsonBody: true,
    });
  const interaction = (code: string, base: string, label: string) => {
    const form = FHIR_INTERACTIONS[code];
    if (form) add(form.method, `${base}${form.suffix}`, `fhir ${code} ${label}`);
    else add('GET', `${base}#${code}`, `fhir ${code} ${label}`);
  };
  for (const rest of cs.rest ?? []) {
    for (const i of rest.interaction ?? []) interaction(i.code, FHIR_BASE_PATH, 'system');
    // A system operation ($export) is kicked off by GET (Bulk Data) and answered on its own path.
    for (const o of rest.operation ?? []) add('GET', `${FHIR_BASE_PATH}/$${o.name}`, `fhir $${o.name}`);
    for (const r of rest.resource ?? []) {
      const base = `${FHIR_BASE_PATH}/${r.type}`;
      for (const i of r.interaction ?? []) interaction(i.code, base, r.type);
      for (const o of r.operation ?? []) add('GET', `${base}/$${o.name}`, `fhir $${o.name} ${r.type}`);
    }
  }
  return [...out.values()].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/**
 * Every operation of an app's OpenAPI document. The matrix and the fuzzer enumerate endpoints from
 * here, never from a hand-written list, so a new endpoint cannot escape them.
 */
export function endpointsOf(app: string, doc: OpenApiDocument): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const m = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) continue;
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const jsonType = Object.keys(content).find((t) => t === 'application/json' || t.endsWith('+json'));
      out.push({
        app,
        method: m as Endpoint['method'],
        path,
        operationId: op.operationId ?? `${m} ${path}`,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]!),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema })),
        bodySchema: jsonType ? content[jsonType]?.schema : undefined,
        jsonBody: jsonType !== undefined || Object.keys(content).length === 0,
      });
    }
  }
  return out.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** Resolves `$ref` (`#/components/schemas/X`) and merges `allOf`. */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(doc, doc.components?.schemas?.[name]);
  }
  if (schema.allOf && schema.allOf.length > 0) {
    const parts = schema.allOf.map((s) => resolveSchema(doc, s) ?? {});
    return parts.reduce<JsonSchema>(
      (acc, p) => ({
        ...acc,
        ...p,
        properties: { ...(acc.properties ?? {}), ...(p.properties ?? {}) },
        required: [...(acc.required ?? []), ...(p.required ?? [])],
      }),
      {},
    );
  }
  return schema;
}

/** Fills a path template with values (`{tenantId}` -> `values.tenantId`), URL-encoded. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return encodeURIComponent(v);
  });
}
