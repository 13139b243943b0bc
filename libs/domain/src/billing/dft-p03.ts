import type { ClosedLineData } from '../events/event-types';
import { ChargeFeedReferenceError } from './billing.errors';
import { feeOf, formatCents, type FeeSchedule, type LineFee } from './fee-schedule';
import {
  HL7_SEGMENT_SEPARATOR,
  hl7Components,
  hl7Date,
  hl7Repeat,
  hl7Segment,
  hl7Timestamp,
} from './hl7-text';

/**
 * The HL7 v2.5.1 DFT^P03 charge message of one patient-month and billing practitioner (ADR 0612).
 * Pure: every identifier, the control id and the creation time arrive as inputs, so that a message
 * built once is stored and re-sent byte for byte.
 */

/** One FT1: a charge (`CG`) or the reversal (`CD`) of a charge sent before. */
export interface ChargeEntry {
  kind: 'charge' | 'reversal';
  line: ClosedLineData;
  /**
   * FT1-2, stable per charge: `<control id of the message that first sent it>.<n>`; a reversal
   * carries the transaction id of the charge it reverses, which names the original message.
   */
  transactionId: string;
}

/** Identifiers the feed needs; `null` where the reference data has none (the build refuses). */
export interface ChargeParties {
  organization: { organizationId: string; npi: string | null; tin: string | null };
  billingPractitioner: { practitionerId: string; npi: string | null };
  patient: { patientId: string; ehrPatientId: string | null };
}

export interface ChargeMessageInput {
  controlId: string;
  /** Creation instant (MSH-7, EVN-2). */
  createdAt: string;
  /** MSH-5/MSH-6: the receiving application and facility (configuration). */
  receiver: { application: string; facility: string };
  parties: ChargeParties;
  month: string;
  /** ICD-10-CM codes of the counted conditions: DG1 1..n, FT1-19 of every line. */
  diagnoses: readonly string[];
  entries: readonly ChargeEntry[];
  /** For a restatement: the control id of the message whose lines it corrects (FT1-23 of each FT1). */
  originalControlId?: string;
  /** P production, T training/test (MSH-11). */
  processingId?: 'P' | 'T';
  /**
   * The fee data (ADR 0617): FT1-11/12 carry the amount of each priced line; a line without a fee
   * leaves them empty and is listed in `ChargeMessage.fees` with its reason. Null: no fee data.
   */
  fees: FeeSchedule | null;
}

/** The built message: HL7 text (segments separated by CR) and what it carries, for totals. */
export interface ChargeMessage {
  controlId: string;
  text: string;
  /** Net units per code (charges minus reversals). */
  unitsByCode: Record<string, number>;
  /** Each FT1's fee in FT1 order (a reversal's amount negative), with the reason where it has none. */
  fees: LineFee[];
}

/** Which identifiers are missing for these parties, named as the reference data names them. */
export function missingReferences(parties: ChargeParties): string[] {
  const missing: string[] = [];
  if (!parties.organization.npi) missing.push(`organization ${parties.organization.organizationId} npi`);
  if (!parties.organization.tin) missing.push(`organization ${parties.organization.organizationId} tin`);
  if (!parties.billingPractitioner.npi)
    missing.push(`practitioner ${parties.billingPractitioner.practitionerId} npi`);
  return missing;
}

/** ICD-10-CM code with its dot, as HL7 coding systems expect (`E119` -> `E11.9`). */
export function icd10WithDot(code: string): string {
  return code.length > 3 && !code.includes('.') ? `${code.slice(0, 3)}.${code.slice(3)}` : code;
}

/** CPT codes are five digits, or four digits and F/T; HCPCS Level II codes start with a letter. */
function codingSystemOf(code: string): string {
  return /^[A-Z]/.test(code) ? 'HCPCS' : 'C4';
}

/** XCN of a practitioner identified by NPI (XCN-1 id, XCN-9 assigning authority, XCN-13 type). */
function xcnNpi(npi: string): string {
  return hl7Components(npi, '', '', '', '', '', '', '', 'CMS', '', '', '', 'NPI');
}

/** Build a DFT^P03; refuses (CHARGES.MISSING_REFERENCE) when an NPI or the TIN is missing. */
export function buildDftP03(input: ChargeMessageInput): ChargeMessage {
  const missing = missingReferences(input.parties);
  if (missing.length > 0) throw new ChargeFeedReferenceError(missing);
  if (input.entries.length === 0) throw new RangeError('a charge message needs at least one FT1');
  const { organization, billingPractitioner, patient } = input.parties;
  const ts = hl7Timestamp(input.createdAt);
  const segments: string[] = [];
  segments.push(
    'MSH|^~\\&|' +
      [
        hl7Components('CARELEDGER'),
        hl7Components(organization.organizationId, organization.npi, 'NPI'),
        hl7Components(input.receiver.application),
        hl7Components(input.receiver.facility),
        ts,
        '',
        hl7Components('DFT', 'P03', 'DFT_P03'),
        hl7Components(input.controlId),
        input.processingId ?? 'P',
        '2.5.1',
        '',
        '',
        'AL',
        'NE',
        '',
        'UNICODE UTF-8',
      ].join('|'),
  );
  segments.push(hl7Segment('EVN', ['P03', ts]));
  const ids = [hl7Components(patient.patientId, '', '', 'CARELEDGER', 'PI')];
  if (patient.ehrPatientId) ids.push(hl7Components(patient.ehrPatientId, '', '', 'EHR', 'MR'));
  segments.push(hl7Segment('PID', ['1', '', hl7Repeat(ids)]));
  segments.push(
    hl7Segment('PV1', [
      '1',
      'O',
      hl7Components('', '', '', organization.organizationId),
      '',
      '',
      '',
      xcnNpi(billingPractitioner.npi!),
    ]),
  );
  // Billing entity of the charges: the organization's NPI and TIN (ADR 0612, Z-segment).
  segments.push(hl7Segment('ZBE', ['1', hl7Components(organization.npi), hl7Components(organization.tin)]));
  const diagnosisField = hl7Repeat(input.diagnoses.map((d) => hl7Components(icd10WithDot(d), '', 'I10')));
  const unitsByCode: Record<string, number> = {};
  const fees: LineFee[] = [];
  input.entries.forEach((entry, i) => {
    const { line } = entry;
    const sign = entry.kind === 'reversal' ? -1 : 1;
    unitsByCode[line.code] = (unitsByCode[line.code] ?? 0) + sign * line.units;
    const fee = feeOf(input.fees, line.code, sign * line.units, line.serviceDate);
    fees.push(fee);
    const fields = new Array<string>(31).fill('');
    fields[0] = String(i + 1);
    fields[1] = hl7Components(entry.transactionId);
    fields[2] = hl7Components(input.month);
    fields[3] = hl7Date(line.serviceDate);
    fields[4] = ts;
    fields[5] = entry.kind === 'reversal' ? 'CD' : 'CG';
    fields[6] = hl7Components(line.code, '', codingSystemOf(line.code));
    fields[9] = String(sign * line.units);
    // FT1-11 extended and FT1-12 unit amount (CP: MO quantity & denomination); empty = no fee.
    if (fee.amountCents !== null && fee.unitCents !== null) {
      fields[10] = `${formatCents(fee.amountCents)}&USD`;
      fields[11] = `${formatCents(fee.unitCents)}&USD`;
    }
    fields[18] = diagnosisField;
    fields[19] = xcnNpi(billingPractitioner.npi!);
    fields[20] = xcnNpi(billingPractitioner.npi!);
    if (input.originalControlId) fields[22] = hl7Components(input.originalControlId);
    fields[24] = hl7Components(line.code, '', codingSystemOf(line.code));
    segments.push(hl7Segment('FT1', fields));
  });
  input.diagnoses.forEach((d, i) =>
    segments.push(
      hl7Segment('DG1', [String(i + 1), '', hl7Components(icd10WithDot(d), '', 'I10'), '', '', 'F']),
    ),
  );
  return {
    controlId: input.controlId,
    text: segments.join(HL7_SEGMENT_SEPARATOR) + HL7_SEGMENT_SEPARATOR,
    unitsByCode,
    fees,
  };
}
