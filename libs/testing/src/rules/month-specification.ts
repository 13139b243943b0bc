import {
  type ContractEvent,
  type DetermineMonthOptions,
  type MonthDetermination,
  type ReferenceData,
  determineMonth,
} from '@careledger/domain';
import { Specification, type WhenClause } from '../specification/given-when-then';
import { PatientMonthBuilder } from './patient-month.builder';

/** `when` of a month: the month plus any other option of `determineMonth` (reference preset). */
export type MonthWhen = Partial<Omit<DetermineMonthOptions, 'month'>>;

const determination = Specification.for<ContractEvent, DetermineMonthOptions, MonthDetermination>(
  (events, opts) => determineMonth(events, opts),
);

/**
 * The rules engine as a given/when/then specification:
 * `given(builder).when('2025-03').then((d) => ...)`. The builder's events are the history (tenant
 * and patient events, any order); `when` names the month (and optionally knowledge time, rule set,
 * policy); `then` checks the determination.
 */
export const MonthSpecification = {
  for(reference: ReferenceData) {
    return (given: PatientMonthBuilder | readonly ContractEvent[], patientId = 'P1') => {
      const events = given instanceof PatientMonthBuilder ? given.events : given;
      const patient = given instanceof PatientMonthBuilder ? given.patientId : patientId;
      return {
        when(month: string, opts: MonthWhen = {}): WhenClause<MonthDetermination> {
          return determination(events).when({ patientId: patient, reference, ...opts, month });
        },
      };
    };
  },
};
