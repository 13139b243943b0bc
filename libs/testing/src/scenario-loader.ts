import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ContractEvent, EventValidationError, validateContractEvent } from '@careledger/domain';

/**
 * Conformance scenarios (shared/conformance/README.md): one patient-month, its events in the event
 * contract, what to evaluate and what is expected. Shared by the engine conformance (RULES) and the
 * system conformance (READ): both load scenarios through this module.
 */

/** The expected block of a scenario (lines as a multiset; providerOfRecord and flags as subsets). */
export interface ScenarioExpectation {
  lines: { code: string; units: number; practitionerId: string; date?: string }[];
  providerOfRecord: Record<string, string>;
  flags: string[];
}

/** A validated scenario. */
export interface Scenario {
  id: string;
  title: string;
  rule: string;
  tenantId: string;
  /** Validated (and upcast) contract events, in the file's recording order. */
  events: ContractEvent[];
  evaluate: { patientId: string; month: string; asOf: string | null };
  /** Absent when the file has no expected block (an evaluation-only input). */
  expected: ScenarioExpectation | null;
  /** The file it came from. */
  file: string;
}

/** A scenario file cannot be evaluated; the message names the file and the offending field. */
export class ScenarioError extends Error {
  readonly code = 'SCENARIO.INVALID';
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field}: ${message}`);
    this.name = 'ScenarioError';
  }
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses and validates a scenario from its JSON text. Throws `ScenarioError`. */
export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(file, '(file)', `not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new ScenarioError(file, '(file)', 'a scenario must be a JSON object');
  const fallbackId = path.basename(file).replace(/\.json$/i, '');
  const id = typeof raw.id === 'string' && raw.id.length > 0 ? raw.id : fallbackId;
  if (!/^[A-Za-z0-9._-]+$/.test(id))
    throw new ScenarioError(file, 'id', 'must be letters, digits, ".", "_" or "-"');
  if (!Array.isArray(raw.events))
    throw new ScenarioError(file, 'events', 'must be an array of contract events');
  const events: ContractEvent[] = raw.events.map((e: unknown, i: number) => {
    try {
      return validateContractEvent(e);
    } catch (err) {
      if (err instanceof EventValidationError) {
        const issues = err.issues.map((x) => `${x.field}: ${x.message}`).join('; ');
        throw new ScenarioError(file, `events[${i}]`, issues);
      }
      throw err;
    }
  });
  const ev = raw.evaluate;
  if (!isObject(ev)) throw new ScenarioError(file, 'evaluate', 'must be an object {patientId, month, asOf}');
  if (typeof ev.patientId !== 'string' || ev.patientId === '') {
    throw new ScenarioError(file, 'evaluate.patientId', 'must be a non-empty string');
  }
  if (typeof ev.month !== 'string' || !MONTH.test(ev.month)) {
    throw new ScenarioError(file, 'evaluate.month', 'must be YYYY-MM');
  }
  const asOf = ev.asOf ?? null;
  if (
    asOf !== null &&
    (typeof asOf !== 'string' || Number.isNaN(Date.parse(asOf)) || !/(Z|[+-]\d{2}:\d{2})$/.test(asOf))
  ) {
    throw new ScenarioError(file, 'evaluate.asOf', 'must be null or an ISO-8601 instant with an offset');
  }
  return {
    id,
    title: typeof raw.title === 'string' ? raw.title : '',
    rule: typeof raw.rule === 'string' ? raw.rule : '',
    tenantId: typeof raw.tenantId === 'string' ? raw.tenantId : (events[0]?.tenantId ?? ''),
    events,
    evaluate: { patientId: ev.patientId, month: ev.month, asOf },
    expected: raw.expected === undefined ? null : parseExpectation(raw.expected, file),
    file,
  };
}

function parseExpectation(x: unknown, file: string): ScenarioExpectation {
  if (!isObject(x)) throw new ScenarioError(file, 'expected', 'must be an object');
  const lines = x.lines ?? [];
  if (!Array.isArray(lines)) throw new ScenarioError(file, 'expected.lines', 'must be an array');
  const parsedLines = lines.map((l: unknown, i: number) => {
    if (
      !isObject(l) ||
      typeof l.code !== 'string' ||
      !Number.isInteger(l.units) ||
      typeof l.practitionerId !== 'string'
    ) {
      throw new ScenarioError(file, `expected.lines[${i}]`, 'must be {code, units, practitionerId, date?}');
    }
    const line: ScenarioExpectation['lines'][number] = {
      code: l.code,
      units: l.units as number,
      practitionerId: l.practitionerId,
    };
    if (typeof l.date === 'string') line.date = l.date;
    return line;
  });
  const por = x.providerOfRecord ?? {};
  if (!isObject(por) || Object.values(por).some((v) => typeof v !== 'string')) {
    throw new ScenarioError(file, 'expected.providerOfRecord', 'must map programs to practitioner ids');
  }
  const flags = x.flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== 'string')) {
    throw new ScenarioError(file, 'expected.flags', 'must be an array of flag codes');
  }
  return { lines: parsedLines, providerOfRecord: por as Record<string, string>, flags: flags as string[] };
}

/** Reads and validates one scenario file. Throws `ScenarioError` (or the fs error for a missing file). */
export function loadScenarioFile(file: string): Scenario {
  return parseScenario(fs.readFileSync(file, 'utf8'), file);
}

/**
 * Scenario files named by `inputs` (files, or folders whose `*.json` files are taken), sorted by
 * name within each folder; duplicates removed. Throws when an input does not exist.
 */
export function listScenarioFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const stat = fs.statSync(input);
    if (stat.isDirectory()) {
      for (const name of fs
        .readdirSync(input)
        .filter((n) => n.toLowerCase().endsWith('.json'))
        .sort()) {
        out.push(path.join(input, name));
      }
    } else {
      out.push(input);
    }
  }
  return [...new Set(out)];
}

/** Loads every scenario of a folder; files that fail validation are returned as errors, not thrown. */
export function loadScenarioDir(dir: string): { scenarios: Scenario[]; errors: ScenarioError[] } {
  const scenarios: Scenario[] = [];
  const errors: ScenarioError[] = [];
  for (const file of listScenarioFiles([dir])) {
    try {
      scenarios.push(loadScenarioFile(file));
    } catch (err) {
      if (err instanceof ScenarioError) errors.push(err);
      else throw err;
    }
  }
  return { scenarios, errors };
}
