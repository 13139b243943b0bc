import { DateTime } from 'luxon';
import type { ContractEvent } from '@careledger/domain';
import { batchKey, demoMonths, demoState, importBatches, parseBatchKey, type DemoPlan } from './demo.step';

const plan: DemoPlan = { seed: 2026, patients: 500, anchor: '2026-11-22T21:30Z' };

describe('demoMonths', () => {
  it('gives the two full calendar months before the current one, across a year boundary', () => {
    expect(demoMonths(DateTime.fromISO('2026-01-05T03:00:00Z', { zone: 'utc' }))).toEqual({
      full: ['2025-11', '2025-12'],
      current: '2026-01',
    });
  });
});

describe('batch keys', () => {
  it('round-trip the plan and the batch position', () => {
    const key = batchKey(plan, 3, 21);
    expect(key).toBe('demo:v1:2026:500:2026-11-22T21:30Z:3-of-21');
    expect(parseBatchKey(key)).toEqual({ plan, i: 3, n: 21 });
    // care-api's Idempotency-Key alphabet: 8-128 characters of A-Z a-z 0-9 . _ : -
    expect(key).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  });

  it('ignore keys that are not the demo loader’s', () => {
    expect(parseBatchKey('demo-2026-500-3')).toBeUndefined();
    expect(parseBatchKey('3f1c0b6e-0d4e-4b7b-9a8e-1d2c3b4a5f60')).toBeUndefined();
  });
});

describe('demoState', () => {
  const keys = (n: number, done: number[]): string[] => done.map((i) => batchKey(plan, i, n));

  it('given nothing of demo-health, is absent', () => {
    expect(demoState([], 0)).toEqual({ kind: 'absent' });
  });

  it('given every batch key, is complete with the plan of the first load', () => {
    expect(demoState(keys(3, [0, 1, 2]), 120)).toEqual({ kind: 'complete', plan, batches: 3 });
  });

  it('given some batch keys, is partial so that the same plan is resumed', () => {
    expect(demoState(keys(4, [0, 1]), 80)).toEqual({ kind: 'partial', plan, done: 2, batches: 4 });
  });

  it('given events but no batch key, is foreign: somebody else loaded demo-health', () => {
    expect(demoState(['other-key'], 12)).toEqual({ kind: 'foreign', events: 12 });
  });

  it('given two plans, keeps to the earliest anchor', () => {
    const later: DemoPlan = { ...plan, anchor: '2026-12-01T08:00Z' };
    const state = demoState([batchKey(later, 0, 2), ...keys(2, [0, 1])], 50);
    expect(state).toEqual({ kind: 'complete', plan, batches: 2 });
  });
});

describe('importBatches', () => {
  const ev = (type: string, patientId?: string): ContractEvent =>
    ({ tenantId: 'demo-health', type, ...(patientId ? { patientId } : {}) }) as unknown as ContractEvent;

  it('sends the tenant stream first, then whole patient streams in first-seen order', () => {
    const events = [
      ev('OrganizationRegistered'),
      ev('PatientRegistered', 'P1'),
      ev('PatientRegistered', 'P2'),
      ev('CareTimeLogged', 'P1'),
      ev('PatientRegistered', 'P3'),
    ];
    const batches = importBatches(events, 2);
    expect(batches.map((b) => b.map((e) => `${e.patientId ?? '-'}:${e.type}`))).toEqual([
      ['-:OrganizationRegistered'],
      ['P1:PatientRegistered', 'P1:CareTimeLogged', 'P2:PatientRegistered'],
      ['P3:PatientRegistered'],
    ]);
  });
});
