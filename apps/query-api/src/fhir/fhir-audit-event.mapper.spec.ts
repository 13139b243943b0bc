import { type AccessLogRow, auditEventOf } from './fhir-audit-event.mapper';

const row = (over: Partial<AccessLogRow> = {}): AccessLogRow => ({
  id: '42',
  accessed_at: new Date('2025-03-10T12:00:00.123Z'),
  subject: 'u-7',
  roles: ['care_manager'],
  departments: ['primary-care'],
  app: 'query-api',
  action: 'fhir.search',
  method: 'GET',
  route: '/fhir/R4/:type',
  patient_id: 'P0001',
  target: { type: 'Encounter', patient: 'P0001' },
  status: 200,
  correlation_id: 'c-1',
  ...over,
});

describe('AuditEvent from an access-log row (ADR 1117)', () => {
  it('given a successful search, gives a rest event with the caller, the app, the patient and the ids', () => {
    const e = auditEventOf(row(), 't1');
    expect([e.id, e.recorded, e.action, e.outcome, e.outcomeDesc]).toEqual([
      '42',
      '2025-03-10T12:00:00.123Z',
      'R',
      '0',
      'HTTP 200',
    ]);
    expect(e.subtype!.map((c) => c.code)).toEqual(['search-type', 'fhir.search']);
    expect(e.agent[0]!.who!.identifier!.value).toBe('u-7');
    expect(e.agent[0]!.role!.map((r) => r.coding![0]!.code)).toEqual(['care_manager', 'primary-care']);
    expect(e.source).toEqual({
      site: 't1',
      observer: { identifier: { system: 'urn:careledger:app', value: 'query-api' } },
    });
    expect(e.entity![0]!.what).toEqual({ reference: 'Patient/P0001' });
    expect(e.entity![1]!.detail).toEqual([
      { type: 'type', valueString: 'Encounter' },
      { type: 'patient', valueString: 'P0001' },
      { type: 'correlationId', valueString: 'c-1' },
    ]);
  });

  it('given a refused or failed request without a patient, gives outcome 4 or 8 and no patient entity', () => {
    const refused = auditEventOf(
      row({ status: 404, patient_id: null, method: 'POST', action: 'replay.run' }),
      't1',
    );
    expect([refused.outcome, refused.action, refused.entity!.length]).toEqual(['4', 'E', 1]);
    expect(refused.subtype!.map((c) => c.code)).toEqual(['replay.run']);
    expect(auditEventOf(row({ status: 503 }), 't1').outcome).toBe('8');
  });
});
