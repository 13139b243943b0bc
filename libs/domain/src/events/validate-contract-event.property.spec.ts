import fc from 'fast-check';
import { DateTime } from 'luxon';
import { EventValidationError } from './event-validation.error';
import { contractEventIssues, validateContractEvent } from './validate-contract-event';

const validLogged = {
  type: 'CareTimeLogged',
  schemaVersion: 1,
  tenantId: 'acme-health',
  patientId: 'P01',
  occurredAt: '2025-03-04T14:00:00-05:00',
  recordedAt: '2025-03-04T14:20:00Z',
  actor: { userId: 'u-rn-7', role: 'clinical_staff', departmentId: 'primary-care' },
  data: {
    entryId: 'E-1',
    program: 'CCM',
    performerId: 'RN-1',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'DR-1',
    startedAt: '2025-03-04T14:00:00-05:00',
    minutes: 20,
    activity: 'call',
  },
};
const dataFields = Object.keys(validLogged.data);
const envelopeFields = [
  'type',
  'schemaVersion',
  'tenantId',
  'patientId',
  'occurredAt',
  'recordedAt',
  'actor',
  'data',
];

describe('validateContractEvent (properties)', () => {
  it('never fails with anything but EventValidationError, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          validateContractEvent(input);
        } catch (error) {
          return error instanceof EventValidationError && error.issues.length > 0;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('a data field replaced by any JSON value is either still valid or reported under its own path only', () => {
    fc.assert(
      fc.property(fc.constantFrom(...dataFields), fc.jsonValue(), (field, value) => {
        const input = { ...validLogged, data: { ...validLogged.data, [field]: value } };
        const fields = contractEventIssues(input).map((i) => i.field);
        return fields.every(
          (f) => f === `data.${field}` || f.startsWith(`data.${field}[`) || f.startsWith(`data.${field}.`),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('an envelope field removed is reported by name, and nothing else is', () => {
    fc.assert(
      fc.property(
        fc.subarray(
          envelopeFields.filter((f) => f !== 'type'),
          { minLength: 1 },
        ),
        (removed) => {
          const input: Record<string, unknown> = { ...validLogged };
          for (const f of removed) delete input[f];
          return (
            JSON.stringify(
              contractEventIssues(input)
                .map((i) => i.field)
                .sort(),
            ) === JSON.stringify([...removed].sort())
          );
        },
      ),
    );
  });

  it('valid minutes and instants with any real offset are accepted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1440 }),
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2099-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (minutes, date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const input = {
            ...validLogged,
            data: { ...validLogged.data, minutes, startedAt: `${local}${offset}` },
          };
          return contractEventIssues(input).length === 0;
        },
      ),
    );
  });

  it('agrees with luxon on which offset-carrying instants are real (the day check is memoised)', () => {
    const two = (max: number, min = 0) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2100 }),
        two(12, 1),
        two(31, 1),
        two(23),
        two(59),
        two(59),
        fc.constantFrom('Z', '+00:00', '-05:00', '+05:30', '+14:00', '-12:00', '-03:30'),
        (y, mo, d, h, mi, se, off) => {
          const value = `${y}-${mo}-${d}T${h}:${mi}:${se}${off}`;
          const ours = contractEventIssues({ ...validLogged, occurredAt: value }).length === 0;
          return ours === DateTime.fromISO(value, { setZone: true }).isValid;
        },
      ),
      { numRuns: 3000 },
    );
  });
});
