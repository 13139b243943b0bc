import fc from 'fast-check';
import { monthCalendar, nextMonth } from '../calendar/zoned-calendar';
import type { PractitionerRole, Program } from '../events/event-types';
import type { MonthDetermination } from './month-determination';
import { PatientMonthBuilder, testReference } from '@careledger/testing/rules';

/**
 * Properties of the determination (issue 3 "Done when"):
 * (a) it does not depend on the order in which events arrive, in particular events of different
 *     entries that share a knowledge time;
 * (b) splitting an entry at a month boundary never loses or creates a minute, in several zones.
 */
const reference = testReference();

function base(zone: string): PatientMonthBuilder {
  return new PatientMonthBuilder()
    .org('ORG-1', zone)
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('DR-2', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .practitioner('BHCM-1', 'ORG-1', 'bhcm')
    .patient('ORG-1')
    .condition('C1', 'E11.9', '2020-01-01', { highRisk: true })
    .condition('C2', 'I10', '2020-01-01')
    .condition('C3', 'F33.1', '2020-01-01')
    .visit('V1', 'DR-1', '2024-12-01')
    .visit('V2', 'DR-2', '2024-12-02')
    .plan('CP1', 'CCM', 'comprehensive', '2024-12-01')
    .plan('CP2', 'PCM', 'disease_specific', '2024-12-01')
    .plan('CP3', 'CoCM', 'cocm_treatment', '2024-12-01')
    .plan('CP4', 'BHI', 'behavioral', '2024-12-01')
    .consent('CN1', 'CCM', 'DR-1', '2024-12-05T10:00:00Z')
    .consent('CN2', 'CCM', 'DR-2', '2024-12-05T10:00:00Z')
    .consent('CN3', 'PCM', 'DR-1', '2024-12-06T10:00:00Z')
    .consent('CN4', 'CoCM', 'DR-2', '2024-12-07T10:00:00Z', { episodeStartedOn: '2024-12-07' })
    .consent('CN5', 'BHI', 'DR-1', '2024-12-08T10:00:00Z');
}

const PERFORMERS: { id: string; role: PractitionerRole }[] = [
  { id: 'RN-1', role: 'clinical_staff' },
  { id: 'DR-1', role: 'physician' },
  { id: 'DR-2', role: 'physician' },
  { id: 'BHCM-1', role: 'bhcm' },
];
const SHARED_RECORDED_AT = ['2025-03-31T23:00:00Z', '2025-04-01T08:00:00Z', '2025-04-02T08:00:00Z'];

const entryArb = fc.record({
  program: fc.constantFrom<Program>('CCM', 'PCM', 'CoCM', 'BHI', 'TCM'),
  performer: fc.constantFrom(...PERFORMERS),
  biller: fc.constantFrom('DR-1', 'DR-2'),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 1, max: 90 }),
  recordedAt: fc.constantFrom(...SHARED_RECORDED_AT),
  correction: fc.constantFrom<'none' | 'amend' | 'void'>('none', 'none', 'amend', 'void'),
  amendedMinutes: fc.integer({ min: 1, max: 60 }),
});

describe('determineMonth properties', () => {
  it('(a) permuting the events (entries sharing a recordedAt included) does not change the determination', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 1, maxLength: 14 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 80, maxLength: 80 }),
        (entries, sortKeys) => {
          const b = base('America/Chicago');
          entries.forEach((e, i) => {
            const startedAt = `2025-03-${String(e.day).padStart(2, '0')}T${String(e.hour).padStart(2, '0')}:15:00Z`;
            b.time(`E${i}`, e.program, e.performer, e.biller, startedAt, e.minutes, {
              recordedAt: e.recordedAt,
            });
            if (e.correction === 'amend') b.amend(`E${i}`, { minutes: e.amendedMinutes }, e.recordedAt);
            if (e.correction === 'void') b.void(`E${i}`, e.recordedAt);
          });
          b.claim('2025-03', 'CCM', 'DR-1', [{ code: '99490', units: 1 }], SHARED_RECORDED_AT[2]!);
          const expected = JSON.stringify(b.determine('2025-03', { reference }));
          const permuted = new PatientMonthBuilder(b.patientId, b.tenantId);
          const order = b.events.map((event, i) => ({
            event,
            key: sortKeys[i % sortKeys.length]! + i * 1e-9,
          }));
          order.sort((x, y) => x.key - y.key);
          permuted.events.push(...order.map((o) => o.event));
          expect(JSON.stringify(permuted.determine('2025-03', { reference }))).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('(b) an entry crossing a month boundary counts all of its minutes across the two months, in several zones', () => {
    const counted = (d: MonthDetermination): number => d.minutes.reduce((s, m) => s + m.countedMinutes, 0);
    fc.assert(
      fc.property(
        fc.constantFrom(
          'America/New_York',
          'Pacific/Honolulu',
          'Asia/Kolkata',
          'Australia/Lord_Howe',
          'Europe/London',
          'America/St_Johns',
        ),
        fc.integer({ min: 0, max: 22 }),
        fc.integer({ min: 2, max: 1440 }),
        fc.integer({ min: 1, max: 1439 }),
        (zone, monthIndex, minutes, before) => {
          fc.pre(before < minutes);
          const first = `${2025 + Math.floor(monthIndex / 12)}-${String((monthIndex % 12) + 1).padStart(2, '0')}`;
          const second = nextMonth(first);
          const boundary = monthCalendar(zone, second).startMs;
          const startedAt = new Date(boundary - before * 60_000).toISOString();
          const b = base(zone).time(
            'E1',
            'CCM',
            { id: 'RN-1', role: 'clinical_staff' },
            'DR-1',
            startedAt,
            minutes,
          );
          const m1 = b.determine(first, { reference });
          const m2 = b.determine(second, { reference });
          expect(counted(m1)).toBe(before);
          expect(counted(m1) + counted(m2)).toBe(minutes);
        },
      ),
      { numRuns: 200 },
    );
  });
});
