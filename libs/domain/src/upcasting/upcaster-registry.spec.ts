import * as fs from 'node:fs';
import * as path from 'node:path';
import { CURRENT_SCHEMA_VERSIONS } from '../events/event-schemas';
import { EventValidationError } from '../events/event-validation.error';
import { validateContractEvent } from '../events/validate-contract-event';
import {
  defaultUpcasters,
  upcast,
  UpcasterRegistrationError,
  UpcasterRegistry,
  type RawEvent,
} from './upcaster-registry';

/** A released v1 event, stored as JSON and never edited (STYLE.md "Events"). */
const GOLDEN_V1 = path.resolve(__dirname, '../../../../test/fixtures/events/care-time-logged.v1.json');
const readGolden = (): RawEvent => JSON.parse(fs.readFileSync(GOLDEN_V1, 'utf8')) as RawEvent;

/**
 * A hypothetical CareTimeLogged v2 that groups who did the work: `performer: { id, role }` instead of
 * `performerId` + `performerRole`, and makes `separatelyBilledAs` explicit (`null` when absent).
 */
function careTimeLoggedV1toV2(event: RawEvent): RawEvent {
  const { performerId, performerRole, separatelyBilledAs, ...rest } = event['data'] as Record<
    string,
    unknown
  >;
  return {
    ...event,
    data: {
      ...rest,
      performer: { id: performerId, role: performerRole },
      separatelyBilledAs: separatelyBilledAs ?? null,
    },
  };
}

describe('UpcasterRegistry', () => {
  it('upcasts the golden v1 CareTimeLogged fixture to a hypothetical v2', () => {
    const registry = new UpcasterRegistry({ ...CURRENT_SCHEMA_VERSIONS, CareTimeLogged: 2 });
    registry.register('CareTimeLogged', 1, careTimeLoggedV1toV2);
    const v1 = readGolden();
    const v2 = registry.upcast(v1);
    expect(v2).toEqual({
      ...readGolden(),
      schemaVersion: 2,
      data: {
        entryId: 'P01-E1',
        program: 'CCM',
        performer: { id: 'RN-MAIN1', role: 'clinical_staff' },
        billingPractitionerId: 'DR-PCP1',
        startedAt: '2025-03-04T14:00:00-05:00',
        minutes: 20,
        activity: 'synthetic: medication reconciliation call',
        separatelyBilledAs: null,
      },
    });
    // The stored event is never rewritten: upcasting works on a copy.
    expect(v1).toEqual(readGolden());
    // Other types and already-current events pass through untouched.
    expect(registry.upcast(v2)).toBe(v2);
  });

  it('applies chains v1 -> v2 -> v3 in order and stamps each version', () => {
    const registry = new UpcasterRegistry({ ...CURRENT_SCHEMA_VERSIONS, CareTimeLogged: 3 });
    const seen: number[] = [];
    registry
      .register('CareTimeLogged', 2, (e) => {
        seen.push(e['schemaVersion'] as number);
        return { ...e, data: { ...(e['data'] as object), v3: true } };
      })
      .register('CareTimeLogged', 1, (e) => {
        seen.push(e['schemaVersion'] as number);
        return careTimeLoggedV1toV2(e);
      });
    const v3 = registry.upcast(readGolden());
    expect(seen).toEqual([1, 2]);
    expect(v3['schemaVersion']).toBe(3);
    expect(v3['data']).toMatchObject({ performer: { id: 'RN-MAIN1' }, v3: true });
    expect(registry.canUpcast('CareTimeLogged', 1)).toBe(true);
  });

  it('leaves input it cannot upcast unchanged, for the validator to report', () => {
    const registry = new UpcasterRegistry({ ...CURRENT_SCHEMA_VERSIONS, CareTimeLogged: 3 });
    registry.register('CareTimeLogged', 2, (e) => e); // v1 -> v2 missing: a broken chain
    const v1 = readGolden();
    expect(registry.upcast(v1)).toBe(v1);
    expect(registry.canUpcast('CareTimeLogged', 1)).toBe(false);
    for (const odd of [
      null,
      7,
      'x',
      [],
      { type: 'Nope', schemaVersion: 1 },
      { type: 'CareTimeLogged', schemaVersion: '1' },
    ]) {
      expect(registry.upcast(odd)).toBe(odd);
    }
  });

  it('refuses registrations that cannot be right', () => {
    const registry = new UpcasterRegistry({ ...CURRENT_SCHEMA_VERSIONS, CareTimeLogged: 2 });
    expect(() => registry.register('Nope', 1, (e) => e)).toThrow(UpcasterRegistrationError);
    expect(() => registry.register('CareTimeLogged', 2, (e) => e)).toThrow(/current v2/);
    expect(() => registry.register('CareTimeLogged', 0, (e) => e)).toThrow(UpcasterRegistrationError);
    registry.register('CareTimeLogged', 1, (e) => e);
    expect(() => registry.register('CareTimeLogged', 1, (e) => e)).toThrow(/already/);
    // Contract v1 is current everywhere, so the default registry takes no upcaster yet.
    expect(() => new UpcasterRegistry().register('CareTimeLogged', 1, (e) => e)).toThrow(
      UpcasterRegistrationError,
    );
  });

  it('the default registry leaves every v1 event unchanged', () => {
    const v1 = readGolden();
    expect(upcast(v1)).toBe(v1);
    expect(defaultUpcasters.upcast(v1)).toEqual(readGolden());
    for (const type of Object.keys(CURRENT_SCHEMA_VERSIONS))
      expect(defaultUpcasters.canUpcast(type, 1)).toBe(true);
  });

  it('validateContractEvent accepts the golden v1 and rejects versions with no upcaster', () => {
    expect(validateContractEvent(readGolden())).toEqual(readGolden());
    expect(() => validateContractEvent({ ...readGolden(), schemaVersion: 2 })).toThrow(EventValidationError);
    expect(() => validateContractEvent({ ...readGolden(), schemaVersion: 0 })).toThrow(/schemaVersion/);
  });
});
