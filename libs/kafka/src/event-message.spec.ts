import type { RecordedEvent } from '@careledger/domain';
import { eventMessageKey, toEventMessage } from './event-message';
import { decodeHeaders } from './headers';

describe('eventMessageKey', () => {
  it('keys patient events by tenant and patient, tenant-stream events by tenant', () => {
    expect(eventMessageKey({ tenantId: 't1', patientId: 'p9' })).toBe('t1:p9');
    expect(eventMessageKey({ tenantId: 't1' })).toBe('t1');
    expect(eventMessageKey({ tenantId: 't1', patientId: undefined })).toBe('t1');
  });
});

describe('toEventMessage', () => {
  it('carries the full recorded event as JSON, ids only in headers, and no record timestamp', () => {
    const event = {
      type: 'PatientEnrolled',
      schemaVersion: 1,
      tenantId: 't1',
      patientId: 'p1',
      occurredAt: '2026-01-05T10:00:00Z',
      recordedAt: '2026-01-05T10:00:01Z',
      actor: { userId: 'u1', role: 'care_manager', departmentId: 'd1' },
      data: { note: 'synthetic free text that must stay out of headers' },
      eventId: '11111111-1111-4111-8111-111111111111',
      streamId: 't1:p1',
      streamVersion: 1,
      globalPosition: 42,
      correlationId: 'c-1',
      causationId: null,
      prevHash: '0'.repeat(64),
      hash: 'a'.repeat(64),
    } as unknown as RecordedEvent;
    const message = toEventMessage(event);
    expect(message.key).toBe('t1:p1');
    expect(JSON.parse(message.value as string)).toEqual(event);
    expect(message.timestamp).toBeUndefined();
    expect(decodeHeaders(message.headers)).toEqual({
      'event-id': '11111111-1111-4111-8111-111111111111',
      'event-type': 'PatientEnrolled',
      'schema-version': '1',
      'correlation-id': 'c-1',
    });
  });
});
