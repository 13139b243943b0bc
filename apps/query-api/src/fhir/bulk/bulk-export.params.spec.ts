import { ProblemError } from '@careledger/http';
import { FHIR_TYPES } from '../fhir.service';
import { parseExportRequest } from './bulk-export.params';

const field = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ProblemError) return `${e.code} ${e.errors[0]!.field}`;
  }
  return 'accepted';
};

describe('Bulk $export kick-off parameters (ADR 1118)', () => {
  it('given Prefer respond-async and no parameters, exports every type since the beginning', () => {
    expect(parseExportRequest({}, 'respond-async')).toEqual({ types: [...FHIR_TYPES], since: null });
  });

  it('keeps the listed types in server order and normalises _since', () => {
    expect(
      parseExportRequest(
        { _type: 'Encounter,Patient', _since: '2025-03-01T00:00:00+01:00' },
        'respond-async, handling=strict',
      ),
    ).toEqual({ types: ['Patient', 'Encounter'], since: '2025-02-28T23:00:00.000Z' });
    expect(
      parseExportRequest({ _type: ['Condition', 'Patient'], _outputFormat: 'ndjson' }, 'respond-async').types,
    ).toEqual(['Patient', 'Condition']);
  });

  it('names the bad part: Prefer, _type, _since, _outputFormat or an unsupported parameter', () => {
    expect(field(() => parseExportRequest({}, undefined))).toBe('FHIR.EXPORT_BAD_REQUEST Prefer');
    expect(field(() => parseExportRequest({}, 'return=minimal'))).toBe('FHIR.EXPORT_BAD_REQUEST Prefer');
    expect(field(() => parseExportRequest({ _type: 'Observation' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _type',
    );
    expect(field(() => parseExportRequest({ _type: 'AuditEvent' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _type',
    );
    expect(field(() => parseExportRequest({ _since: '2025-03-01' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _since',
    );
    expect(field(() => parseExportRequest({ _since: '2025-13-01T00:00:00Z' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _since',
    );
    expect(field(() => parseExportRequest({ _outputFormat: 'text/csv' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _outputFormat',
    );
    expect(field(() => parseExportRequest({ _typeFilter: 'x' }, 'respond-async'))).toBe(
      'FHIR.EXPORT_BAD_REQUEST _typeFilter',
    );
  });
});
