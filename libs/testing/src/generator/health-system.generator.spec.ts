import { createHash } from 'node:crypto';
import {
  checkPatientInvariants,
  evolve,
  initialPatientState,
  validateContractEvent,
  type ContractEvent,
  type PatientEvent,
  type PatientState,
} from '@careledger/domain';
import { describeHealthSystem, generateHealthSystem } from './health-system.generator';
import { estimateClaims } from './claim-estimator';
import { SeededRandom } from './seeded-random';

const digest = (events: readonly ContractEvent[]): string =>
  createHash('sha256').update(JSON.stringify(events)).digest('hex');

describe('generateHealthSystem', () => {
  // One shared population keeps the suite fast on the shared 2-core machine.
  const options = { seed: 7, tenantId: 'demo-health', patients: 300, months: ['2025-05', '2025-06'] };
  const events = generateHealthSystem(options);
  const stats = describeHealthSystem(events);
  const logged = events.filter(
    (e): e is Extract<ContractEvent, { type: 'CareTimeLogged' }> => e.type === 'CareTimeLogged',
  );

  it('gives byte-identical output for the same seed, and different output for another seed', () => {
    expect(digest(generateHealthSystem(options))).toBe(digest(events));
    expect(digest(generateHealthSystem({ ...options, seed: 8 }))).not.toBe(digest(events));
  });

  it('keeps each patient independent of how many patients follow', () => {
    const small = generateHealthSystem({ ...options, patients: 20 });
    const p1 = (list: readonly ContractEvent[]) => list.filter((e) => e.patientId === 'P0001');
    expect(JSON.stringify(p1(small))).toBe(JSON.stringify(p1(events)));
  });

  it('produces only events that pass the contract validator', () => {
    const failures: string[] = [];
    for (const e of events) {
      try {
        validateContractEvent(JSON.parse(JSON.stringify(e)));
      } catch (err) {
        failures.push(`${e.type}: ${(err as Error).message}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('produces streams the write side accepts: every event passes the patient invariants in recording order', () => {
    // care-api's import runs exactly these checks; a refused event would stop the demo load.
    expect(refusedByInvariants(events)).toEqual([]);
    // npm start's demo population (seed, size and shape of tools/cli/demo/demo.step.ts), and another seed
    const demo = generateHealthSystem({
      seed: 2026,
      tenantId: 'demo-health',
      patients: 500,
      organizations: 2,
      months: ['2026-09', '2026-10', '2026-11'],
      until: '2026-11-22T21:00:00Z',
    });
    expect(refusedByInvariants(demo)).toEqual([]);
    expect(refusedByInvariants(generateHealthSystem({ ...options, seed: 3 }))).toEqual([]);
  });

  it('returns reference events first, then everything in recordedAt order', () => {
    const firstPatient = events.findIndex((e) => e.patientId !== undefined);
    expect(events.slice(0, firstPatient).every((e) => e.patientId === undefined)).toBe(true);
    expect(events.slice(firstPatient).every((e) => e.patientId !== undefined)).toBe(true);
    for (let i = 1; i < events.length; i++) {
      expect(Date.parse(events[i]!.recordedAt)).toBeGreaterThanOrEqual(Date.parse(events[i - 1]!.recordedAt));
    }
  });

  it('never records an event before it happened, and amends/voids only entries already recorded', () => {
    expect(events.filter((e) => Date.parse(e.recordedAt) < Date.parse(e.occurredAt))).toEqual([]);
    const seen = new Set<string>();
    for (const e of events) {
      if (e.type === 'CareTimeLogged') seen.add(e.data.entryId);
      if (e.type === 'CareTimeAmended' || e.type === 'CareTimeVoided')
        expect(seen.has(e.data.entryId)).toBe(true);
    }
  });

  it('registers organizations in several zones including an RHC and an FQHC, and practitioners of every role', () => {
    const orgs = events.flatMap((e) => (e.type === 'OrganizationRegistered' ? [e.data] : []));
    expect(new Set(orgs.map((o) => o.timezone)).size).toBe(4);
    expect(orgs.map((o) => o.kind)).toEqual(expect.arrayContaining(['practice', 'rhc', 'fqhc']));
    const roles = new Set(events.flatMap((e) => (e.type === 'PractitionerRegistered' ? [e.data.role] : [])));
    expect([...roles].sort()).toEqual([
      'admin_staff',
      'bhcm',
      'clinical_staff',
      'physician',
      'psychiatric_consultant',
      'qhp',
    ]);
  });

  it('gives two organizations (a practice and an FQHC in different zones) for the demo', () => {
    const demo = generateHealthSystem({ ...options, patients: 10, organizations: 2 });
    const orgs = demo.flatMap((e) => (e.type === 'OrganizationRegistered' ? [e.data] : []));
    expect(orgs.map((o) => o.kind).sort()).toEqual(['fqhc', 'practice']);
    expect(new Set(orgs.map((o) => o.timezone)).size).toBe(2);
  });

  it('spreads monthly minutes like a real panel: many under threshold, some exactly at thresholds, some far above caps', () => {
    const perMonth = new Map<string, number>();
    for (const e of logged) {
      if (e.data.program !== 'CCM' || e.data.performerRole !== 'clinical_staff') continue;
      const key = `${e.patientId}|${e.data.startedAt.slice(0, 7)}`;
      perMonth.set(key, (perMonth.get(key) ?? 0) + e.data.minutes);
    }
    const totals = [...perMonth.values()];
    const share = (f: (m: number) => boolean) => totals.filter(f).length / totals.length;
    expect(totals.length).toBeGreaterThan(150);
    expect(share((m) => m < 20)).toBeGreaterThan(0.2);
    expect(share((m) => m < 20)).toBeLessThan(0.6);
    expect(share((m) => [19, 20, 39, 40, 59, 60].includes(m))).toBeGreaterThan(0.04);
    expect(share((m) => m >= 90)).toBeGreaterThan(0.03);
  });

  it('contains the awkward cases the rules must handle', () => {
    expect(stats.byType['CareTimeAmended']).toBeGreaterThan(10);
    expect(stats.byType['CareTimeVoided']).toBeGreaterThan(5);
    expect(stats.byType['ConsentRevoked']).toBeGreaterThan(2);
    expect(stats.byType['PsychotherapyProvided']).toBeGreaterThan(5);
    expect(stats.byType['PharmacologicManagementProvided']).toBeGreaterThan(0);
    expect(stats.byType['MonthClaimed']).toBeGreaterThan(100);
    const late = logged.filter((e) => Date.parse(e.recordedAt) - Date.parse(e.occurredAt) > 14 * 86_400_000);
    expect(late.length).toBeGreaterThan(10);
    expect(logged.some((e) => e.data.performerRole === 'admin_staff')).toBe(true);
    expect(logged.some((e) => e.data.separatelyBilledAs !== undefined)).toBe(true);
    const consents = events.flatMap((e) => (e.type === 'ConsentGranted' ? [e.data] : []));
    expect(consents.some((c) => c.method === 'verbal')).toBe(true);
    expect(consents.some((c) => !c.costSharingExplained)).toBe(true);
    expect(new Set(consents.map((c) => c.program))).toEqual(new Set(['CCM', 'PCM', 'BHI', 'CoCM', 'APCM']));
    const kinds = new Set(events.flatMap((e) => (e.type === 'CarePlanEstablished' ? [e.data.kind] : [])));
    expect(kinds).toEqual(new Set(['comprehensive', 'disease_specific', 'behavioral', 'cocm_treatment']));
    expect(
      events.some((e) => e.type === 'CarePlanRevised' && e.data.substantial && e.data.mdm === 'high'),
    ).toBe(true);
    // Entries that cross local midnight into the next month.
    expect(logged.some((e) => /T23:[3-5]\d/.test(e.data.startedAt) && e.data.minutes > 20)).toBe(true);
  });

  it('records nothing after `until`', () => {
    const until = '2025-06-15T12:00:00Z';
    const cut = generateHealthSystem({ ...options, patients: 60, until });
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((e) => Date.parse(e.recordedAt) <= Date.parse(until))).toBe(true);
    const full = generateHealthSystem({ ...options, patients: 60 });
    expect(cut).toEqual(full.filter((e) => Date.parse(e.recordedAt) <= Date.parse(until)));
  });

  it('rejects bad options naming the option', () => {
    expect(() => generateHealthSystem({ ...options, months: ['2025-13'] })).toThrow(/months/);
    expect(() => generateHealthSystem({ ...options, patients: 0 })).toThrow(/patients/);
    expect(() => generateHealthSystem({ ...options, tenantId: 'Bad Tenant' })).toThrow(/tenantId/);
    expect(() => generateHealthSystem({ ...options, organizations: 9 })).toThrow(/organizations/);
  });
});

describe('estimateClaims (the synthetic billing office)', () => {
  const base = {
    tenantId: 't',
    patientId: 'P1',
    schemaVersion: 1 as const,
    actor: { userId: 'u', role: 'x', departmentId: 'd' },
  };
  const at = (iso: string) => ({ occurredAt: iso, recordedAt: iso });
  const given: ContractEvent[] = [
    {
      ...base,
      ...at('2025-01-01T10:00:00-05:00'),
      type: 'ConditionDiagnosed',
      data: { conditionId: 'C1', icd10: 'I10', diagnosedOn: '2024-01-01' },
    },
    {
      ...base,
      ...at('2025-01-01T10:00:00-05:00'),
      type: 'ConditionDiagnosed',
      data: { conditionId: 'C2', icd10: 'E11.9', diagnosedOn: '2024-01-01' },
    },
    {
      ...base,
      ...at('2025-01-02T10:00:00-05:00'),
      type: 'EncounterCompleted',
      data: { encounterId: 'V1', kind: 'em_office', practitionerId: 'DR1', on: '2025-01-02' },
    },
    {
      ...base,
      ...at('2025-01-03T10:00:00-05:00'),
      type: 'ConsentGranted',
      data: {
        consentId: 'K1',
        program: 'CCM',
        billingPractitionerId: 'DR1',
        method: 'written',
        obtainedAt: '2025-01-03T10:00:00-05:00',
        costSharingExplained: true,
      },
    },
    {
      ...base,
      ...at('2025-01-03T11:00:00-05:00'),
      type: 'CarePlanEstablished',
      data: {
        carePlanId: 'CP1',
        program: 'CCM',
        kind: 'comprehensive',
        establishedOn: '2025-01-03',
        authorId: 'DR1',
        problems: [],
        goals: [],
        interventions: [],
        sharedWithPatient: true,
      },
    },
  ];
  const entry = (id: string, startedAt: string, minutes: number): ContractEvent => ({
    ...base,
    ...at(startedAt),
    type: 'CareTimeLogged',
    data: {
      entryId: id,
      program: 'CCM',
      performerId: 'RN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR1',
      startedAt,
      minutes,
      activity: 'call',
    },
  });
  const estimate = (events: ContractEvent[], month = '2025-03') =>
    estimateClaims({ events, month, zoneOfPractitioner: () => 'America/New_York', isChronic: () => true });

  it('claims 99490 at exactly 20 staff minutes and nothing at 19', () => {
    expect(estimate([...given, entry('E1', '2025-03-10T10:00:00-04:00', 20)])).toEqual([
      { program: 'CCM', billingPractitionerId: 'DR1', lines: [{ code: '99490', units: 1 }] },
    ]);
    expect(estimate([...given, entry('E1', '2025-03-10T10:00:00-04:00', 19)])).toEqual([]);
  });

  it('caps 99439 at two units and splits an entry at local midnight of the month boundary', () => {
    expect(estimate([...given, entry('E1', '2025-03-10T10:00:00-04:00', 150)])[0]?.lines).toEqual([
      { code: '99490', units: 1 },
      { code: '99439', units: 2 },
    ]);
    // 23:50 local on March 31 for 30 minutes: 10 count in March, 20 in April.
    const crossing = [...given, entry('E1', '2025-03-31T23:50:00-04:00', 30)];
    expect(estimate(crossing, '2025-04')[0]?.lines).toEqual([{ code: '99490', units: 1 }]);
    expect(estimate(crossing, '2025-03')).toEqual([]);
    expect(
      estimate([...crossing, entry('E2', '2025-03-05T10:00:00-05:00', 10)], '2025-03')[0]?.lines,
    ).toEqual([{ code: '99490', units: 1 }]);
  });
});

describe('SeededRandom', () => {
  it('is deterministic per seed and label, and ints stay in range', () => {
    const a = SeededRandom.derive(7, 'x');
    const b = SeededRandom.derive(7, 'x');
    const xs = Array.from({ length: 1000 }, () => a.int(3, 9));
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.int(3, 9)));
    expect(Math.min(...xs)).toBe(3);
    expect(Math.max(...xs)).toBe(9);
    expect(SeededRandom.derive(7, 'y').nextUint32()).not.toBe(SeededRandom.derive(7, 'x').nextUint32());
  });
});

/** Events the patient streams would refuse, as `patient type: code` (the first five). */
function refusedByInvariants(list: readonly ContractEvent[]): string[] {
  const states = new Map<string, PatientState>();
  const refused: string[] = [];
  for (const e of list) {
    if (e.patientId === undefined) continue;
    const state = states.get(e.patientId) ?? initialPatientState;
    try {
      checkPatientInvariants(state, e as PatientEvent);
      states.set(e.patientId, evolve(state, e));
    } catch (err) {
      refused.push(`${e.patientId} ${e.type}: ${(err as { code?: string }).code}`);
    }
  }
  return refused.slice(0, 5);
}
