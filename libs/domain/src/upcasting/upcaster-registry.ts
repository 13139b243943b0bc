import { CURRENT_SCHEMA_VERSIONS } from '../events/event-schemas';

/**
 * An event as it arrives, before upcasting and validation: a JSON object whose shape is not yet
 * trusted. Upcasters read the old shape and return the next one.
 */
export type RawEvent = Record<string, unknown>;

/**
 * Turns version N of one event type into version N+1. Pure and total on well-formed version-N
 * input; the registry stamps `schemaVersion: N+1` on the result, so an upcaster only reshapes.
 */
export type Upcaster = (event: RawEvent) => RawEvent;

/** Registering twice for the same step, or past the current version, is a programming error. */
export class UpcasterRegistrationError extends Error {
  readonly code = 'UPCASTER.INVALID_REGISTRATION';
  constructor(message: string) {
    super(message);
    this.name = 'UpcasterRegistrationError';
  }
}

const isObject = (v: unknown): v is RawEvent => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Upcasters per event type and version: `upcast` applies the chain v1 -> v2 -> ... up to the current
 * version of the type. A released version is never edited (EVENTS.md); a new shape is a new version
 * plus one upcaster here, and a golden fixture of the old version that a test upcasts (ADR 0101).
 *
 * The registry does not validate: input it cannot upcast (not an object, unknown type, a version
 * with no chain to the current one, a version newer than the current one) comes back unchanged and
 * `validateContractEvent` reports it. Events are never mutated; each step returns a new object.
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();

  constructor(
    /** Current version per event type; a test may pass a future contract (e.g. `CareTimeLogged: 2`). */
    readonly currentVersions: Readonly<Record<string, number>> = CURRENT_SCHEMA_VERSIONS,
  ) {}

  /** Register the upcaster from `fromVersion` to `fromVersion + 1` of `type`. */
  register(type: string, fromVersion: number, fn: Upcaster): this {
    const current = this.currentVersions[type];
    if (current === undefined) throw new UpcasterRegistrationError(`unknown event type ${type}`);
    if (!Number.isInteger(fromVersion) || fromVersion < 1 || fromVersion >= current) {
      throw new UpcasterRegistrationError(
        `${type}: an upcaster from v${fromVersion} must start at v1 and end at or before the current v${current}`,
      );
    }
    const key = `${type}@${fromVersion}`;
    if (this.steps.has(key))
      throw new UpcasterRegistrationError(`${type}: v${fromVersion} already has an upcaster`);
    this.steps.set(key, fn);
    return this;
  }

  /** Bring `raw` to the current version of its type, or return it unchanged when that is impossible. */
  upcast<T = RawEvent>(raw: T): T {
    if (!isObject(raw)) return raw;
    const type = raw['type'];
    if (typeof type !== 'string') return raw;
    const current = this.currentVersions[type];
    let version = raw['schemaVersion'];
    if (current === undefined || typeof version !== 'number' || !Number.isInteger(version)) return raw;
    let event: RawEvent = raw;
    while (version < current) {
      const step = this.steps.get(`${type}@${version}`);
      if (!step) return raw;
      version += 1;
      event = { ...step(event), schemaVersion: version };
    }
    return event as T;
  }

  /** True when `type` at `version` can be brought to its current version. */
  canUpcast(type: string, version: number): boolean {
    const current = this.currentVersions[type];
    if (current === undefined || !Number.isInteger(version) || version < 1 || version > current) return false;
    for (let v = version; v < current; v += 1) if (!this.steps.has(`${type}@${v}`)) return false;
    return true;
  }
}

/**
 * The registry the platform uses. Contract v1 is the current version of every type, so it holds no
 * upcaster yet and leaves every v1 event unchanged; the first v2 registers its upcaster here.
 */
export const defaultUpcasters = new UpcasterRegistry();

/** Register an upcaster on the default registry. */
export function registerUpcaster(type: string, fromVersion: number, fn: Upcaster): void {
  defaultUpcasters.register(type, fromVersion, fn);
}

/** Upcast with the default registry. */
export function upcast<T = RawEvent>(raw: T): T {
  return defaultUpcasters.upcast(raw);
}
