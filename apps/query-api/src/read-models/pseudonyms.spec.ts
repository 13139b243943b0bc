import { deidentifyForAnalyst, entryPseudonymOf, pseudonymOf } from './pseudonyms';

const SECRET = 'a-test-secret-of-sufficient-length-000';

describe("an analyst's view of read-model values", () => {
  it('given entry ids that embed the patient id, shows keyed entry pseudonyms in columns and inside explanations', () => {
    const explanation = { rule: 'CCM.BASE', entryIds: ['P0001-E2', 'P0001-E3'], countedMinutes: 25 };
    const out = deidentifyForAnalyst(SECRET, 't1', 'explanation', explanation) as typeof explanation;
    expect(out.rule).toBe('CCM.BASE');
    expect(out.countedMinutes).toBe(25);
    expect(out.entryIds).toEqual([
      entryPseudonymOf(SECRET, 't1', 'P0001-E2'),
      entryPseudonymOf(SECRET, 't1', 'P0001-E3'),
    ]);
    expect(JSON.stringify(out)).not.toContain('P0001');
    expect(deidentifyForAnalyst(SECRET, 't1', 'entry_ids', ['P0001-E2'])).toEqual([out.entryIds[0]]);
    expect(deidentifyForAnalyst(SECRET, 't1', 'entry_id', 'P0001-E2')).toBe(out.entryIds[0]);
  });

  it('pseudonymises a patient id nested in JSON like the patient_id column, and leaves other values alone', () => {
    expect(deidentifyForAnalyst(SECRET, 't1', 'explanation', { patientId: 'P0001' })).toEqual({
      patientId: pseudonymOf(SECRET, 't1', 'P0001'),
    });
    expect(deidentifyForAnalyst(SECRET, 't1', 'code', '99490')).toBe('99490');
  });

  it('keeps entry pseudonyms stable per tenant, distinct across tenants and from patient pseudonyms', () => {
    expect(entryPseudonymOf(SECRET, 't1', 'E1')).toBe(entryPseudonymOf(SECRET, 't1', 'E1'));
    expect(entryPseudonymOf(SECRET, 't1', 'E1')).not.toBe(entryPseudonymOf(SECRET, 't2', 'E1'));
    expect(entryPseudonymOf(SECRET, 't1', 'P0001').slice(4)).not.toBe(
      pseudonymOf(SECRET, 't1', 'P0001').slice(4),
    );
  });
});
