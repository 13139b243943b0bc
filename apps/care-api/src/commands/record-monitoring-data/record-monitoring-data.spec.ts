import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { RecordMonitoringDataCommand } from './record-monitoring-data.command';
import { RECORD_MONITORING_DATA_POLICY, toRecordMonitoringData } from './record-monitoring-data.handler';
import { RecordMonitoringDataRequest } from './record-monitoring-data.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  periodId: 'mp-1',
  monitoring: 'RPM',
  deviceCategory: 'physiologic',
  billingPractitionerId: 'md-1',
  periodStartOn: '2026-03-02',
  dataDays: ['2026-03-02', '2026-03-03'],
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };
const when = (body: object) =>
  toRecordMonitoringData(
    new RecordMonitoringDataCommand(REQUEST, PATIENT, body as RecordMonitoringDataRequest),
  ).command;

describe('RecordMonitoringData (MonitoringDataRecorded, extension 1.1)', () => {
  it('accepts a well-formed request, with or without setupOn', () => {
    expect(fieldErrors(RecordMonitoringDataRequest, VALID)).toEqual([]);
    expect(fieldErrors(RecordMonitoringDataRequest, { ...VALID, setupOn: '2026-03-02' })).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(RecordMonitoringDataRequest, {
        ...VALID,
        monitoring: 'CCM',
        deviceCategory: 'eeg',
        periodStartOn: '2026-3-2',
        dataDays: ['2026-03-02', '2026-03-02'],
        setupOn: 5,
      }).sort(),
    ).toEqual(['dataDays', 'deviceCategory', 'monitoring', 'periodStartOn', 'setupOn']);
    expect(fieldErrors(RecordMonitoringDataRequest, { ...VALID, dataDays: 'x' })).toEqual(['dataDays']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(RecordMonitoringDataRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care managers and practitioners', () => {
    expect(RECORD_MONITORING_DATA_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when RecordMonitoringData, then MonitoringDataRecorded is decided with the body as data', () => {
    const events = decide(
      foldPatientState(GIVEN.registered),
      when({ ...VALID, departmentId: 'primary-care' }),
      ctx,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'MonitoringDataRecorded',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: VALID,
    });
  });

  it('given a period already recorded, when it is recorded again, then the new count is decided (it replaces the old)', () => {
    const [first] = decide(foldPatientState(GIVEN.registered), when(VALID), ctx);
    const again = decide(
      foldPatientState([...GIVEN.registered, first!]),
      when({ ...VALID, dataDays: ['2026-03-04'] }),
      ctx,
    );
    expect(again[0]!.data).toMatchObject({ periodId: 'mp-1', dataDays: ['2026-03-04'] });
  });

  it('given an RTM period with a physiologic device, then the contract refuses it naming data.deviceCategory', () => {
    expect(() =>
      decide(foldPatientState(GIVEN.registered), when({ ...VALID, monitoring: 'RTM' }), ctx),
    ).toThrow(expect.objectContaining({ code: 'EVENT.INVALID' }));
  });

  it('given no registered patient, then it is refused with 404', () => {
    expect(() => decide(foldPatientState(GIVEN.none), when(VALID), ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
