import fc from 'fast-check';
import {
  localDateInMonth,
  localDateOf,
  monthCalendar,
  monthDateRange,
  monthsTouched,
  nextMonth,
  oneYearBefore,
  splitAtMonthBoundaries,
} from './zoned-calendar';

const HOUR = 3_600_000;
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'Pacific/Honolulu',
  'America/St_Johns',
  'Europe/London',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'UTC',
];

describe('monthCalendar', () => {
  it('starts and ends at local midnight in the zone, DST months included', () => {
    const march = monthCalendar('America/New_York', '2025-03');
    expect(new Date(march.startMs).toISOString()).toBe('2025-03-01T05:00:00.000Z');
    expect(new Date(march.endMs).toISOString()).toBe('2025-04-01T04:00:00.000Z');
    expect((march.endMs - march.startMs) / HOUR).toBe(31 * 24 - 1);
    const november = monthCalendar('America/New_York', '2025-11');
    expect((november.endMs - november.startMs) / HOUR).toBe(30 * 24 + 1);
    expect(march.dayStartsMs).toHaveLength(31);
    expect(march.lastDate).toBe('2025-03-31');
  });

  it('rejects a malformed month or a zone that is not IANA', () => {
    expect(() => monthCalendar('America/New_York', '2025-13')).toThrow(RangeError);
    expect(() => monthCalendar('Mars/Olympus', '2025-03')).toThrow(RangeError);
  });

  it('local dates inside the month agree with luxon for every hour of a DST month', () => {
    const cal = monthCalendar('America/New_York', '2025-03');
    for (let ms = cal.startMs; ms < cal.endMs; ms += HOUR) {
      expect(localDateInMonth(ms, cal)).toBe(localDateOf(ms, 'America/New_York'));
    }
  });
});

describe('dates', () => {
  it('one year before Feb 29 is Feb 28; other dates keep month and day', () => {
    expect(oneYearBefore('2024-02-29')).toBe('2023-02-28');
    expect(oneYearBefore('2025-03-01')).toBe('2024-03-01');
    expect(oneYearBefore('2025-02-28')).toBe('2024-02-28');
  });

  it('month ranges know leap years', () => {
    expect(monthDateRange('2024-02')).toEqual({ firstDate: '2024-02-01', lastDate: '2024-02-29' });
    expect(monthDateRange('2025-02').lastDate).toBe('2025-02-28');
    expect(monthDateRange('2100-02').lastDate).toBe('2100-02-28');
    expect(monthDateRange('2025-04').lastDate).toBe('2025-04-30');
    expect(nextMonth('2025-12')).toBe('2026-01');
  });

  it('the local date of an instant is the organization one, never UTC', () => {
    expect(localDateOf(Date.parse('2025-04-01T02:00:00Z'), 'America/New_York')).toBe('2025-03-31');
    expect(localDateOf(Date.parse('2025-03-31T20:00:00Z'), 'Asia/Kolkata')).toBe('2025-04-01');
  });
});

describe('splitAtMonthBoundaries', () => {
  it('splits at local midnight of the 1st; the second part starts at that midnight', () => {
    const start = Date.parse('2025-03-31T23:40:00-04:00');
    expect(splitAtMonthBoundaries(start, 40, 'America/New_York')).toEqual([
      { month: '2025-03', startMs: start, minutes: 20 },
      { month: '2025-04', startMs: Date.parse('2025-04-01T00:00:00-04:00'), minutes: 20 },
    ]);
    expect(monthsTouched(start, 20, 'America/New_York')).toEqual(['2025-03']);
  });

  it('an entry that crosses UTC midnight but not local midnight is not split', () => {
    expect(monthsTouched(Date.parse('2025-03-31T19:30:00-04:00'), 60, 'America/New_York')).toEqual([
      '2025-03',
    ]);
  });

  it('property: parts never lose or create a minute and lie in consecutive local months, in many zones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 22 }),
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: -1440, max: 1440 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, monthIndex, minutes, offsetMinutes, seconds) => {
          const month = `${2025 + Math.floor((monthIndex + 1) / 12)}-${String(((monthIndex + 1) % 12) + 1).padStart(2, '0')}`;
          const start = monthCalendar(zone, month).startMs + offsetMinutes * 60_000 + seconds * 1000;
          const parts = splitAtMonthBoundaries(start, minutes, zone);
          expect(parts.reduce((s, p) => s + p.minutes, 0)).toBe(minutes);
          for (const p of parts) {
            const cal = monthCalendar(zone, p.month);
            expect(p.minutes).toBeGreaterThan(0);
            expect(p.startMs).toBeGreaterThanOrEqual(cal.startMs - 60_000);
            expect(p.startMs).toBeLessThan(cal.endMs);
          }
          for (let i = 1; i < parts.length; i++) expect(parts[i]!.month).toBe(nextMonth(parts[i - 1]!.month));
        },
      ),
      { numRuns: 500 },
    );
  });
});
