import type { ChargeItem, Patient, Provenance } from '@medplum/fhirtypes';
import { entryPseudonymOf, pseudonymOf } from '../../read-models/pseudonyms';
import { SYSTEMS } from '../fhir-resources.mapper';
import { FhirPseudonymiser, PSEUDONYM_SYSTEM } from './fhir-pseudonyms';

const secret = 'a-secret-of-sixteen-or-more';
const p = new FhirPseudonymiser(secret, 't1');

describe('FHIR pseudonyms for analysts (ADR 1118)', () => {
  it("given a Patient, gives the read models' pseudonym as its only identifier and drops the EHR id", () => {
    const patient: Patient & { id: string } = {
      resourceType: 'Patient',
      id: 'P0001',
      identifier: [
        { system: SYSTEMS.patient, value: 'P0001' },
        { system: SYSTEMS.ehrPatient, value: 'MRN-77' },
      ],
    };
    const out = p.resource(patient, 'P0001');
    expect(out.identifier).toEqual([{ system: PSEUDONYM_SYSTEM, value: pseudonymOf(secret, 't1', 'P0001') }]);
    expect(out.id).toBe(pseudonymOf(secret, 't1', 'P0001').replace('_', '-'));
    expect(out.id).toMatch(/^[A-Za-z0-9.-]{1,64}$/);
    expect(JSON.stringify(out)).not.toMatch(/P0001|MRN-77/);
  });

  it('maps references (with _history) consistently and replaces the patient id inside other ids', () => {
    const item: ChargeItem & { id: string } = {
      resourceType: 'ChargeItem',
      id: 'P0001.2025-03.1',
      status: 'billable',
      code: { text: 'x' },
      subject: { reference: 'Patient/P0001' },
      performer: [{ actor: { reference: 'Practitioner/DR-D1' } }],
      supportingInformation: [{ reference: 'Encounter/P0001-E2' }],
    };
    const out = p.resource(item, 'P0001');
    expect(out.subject.reference).toBe(`Patient/${p.idOf('Patient', 'P0001')}`);
    expect(out.performer![0]!.actor.reference).toBe('Practitioner/DR-D1');
    expect(out.supportingInformation![0]!.reference).toBe(
      `Encounter/${entryPseudonymOf(secret, 't1', 'P0001-E2').replace('_', '-')}`,
    );
    const prov: Provenance & { id: string } = {
      resourceType: 'Provenance',
      id: 'Encounter.P0001-E2.1',
      recorded: '2025-03-01T00:00:00Z',
      agent: [{ who: { identifier: { value: 'u1' } } }],
      target: [{ reference: 'Encounter/P0001-E2/_history/1' }],
    };
    const po = p.resource(prov, 'P0001');
    expect(po.target[0]!.reference).toBe(`Encounter/${p.idOf('Encounter', 'P0001-E2')}/_history/1`);
    expect(JSON.stringify([out, po])).not.toMatch(/P0001(?![0-9])/);
    expect(p.idOf('Condition', 'C1')).toBe(new FhirPseudonymiser(secret, 't1').idOf('Condition', 'C1'));
    expect(p.idOf('Condition', 'C1')).not.toBe(new FhirPseudonymiser(secret, 't2').idOf('Condition', 'C1'));
  });
});
