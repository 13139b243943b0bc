import { AmendCareTimeController } from './amend-care-time/amend-care-time.controller';
import { AmendCareTimeHandler } from './amend-care-time/amend-care-time.handler';
import { ClaimMonthController } from './claim-month/claim-month.controller';
import { ClaimMonthHandler } from './claim-month/claim-month.handler';
import { CloseMonthController } from './close-month/close-month.controller';
import { CloseMonthHandler } from './close-month/close-month.handler';
import { CompleteEncounterController } from './complete-encounter/complete-encounter.controller';
import { CompleteEncounterHandler } from './complete-encounter/complete-encounter.handler';
import { DiagnoseConditionController } from './diagnose-condition/diagnose-condition.controller';
import { DiagnoseConditionHandler } from './diagnose-condition/diagnose-condition.handler';
import { EstablishCarePlanController } from './establish-care-plan/establish-care-plan.controller';
import { EstablishCarePlanHandler } from './establish-care-plan/establish-care-plan.handler';
import { GrantConsentController } from './grant-consent/grant-consent.controller';
import { GrantConsentHandler } from './grant-consent/grant-consent.handler';
import { InitiateNavigationServicesController } from './initiate-navigation-services/initiate-navigation-services.controller';
import { InitiateNavigationServicesHandler } from './initiate-navigation-services/initiate-navigation-services.handler';
import { LogNavigationTimeController } from './log-navigation-time/log-navigation-time.controller';
import { LogNavigationTimeHandler } from './log-navigation-time/log-navigation-time.handler';
import { LogCareTimeController } from './log-care-time/log-care-time.controller';
import { LogCareTimeHandler } from './log-care-time/log-care-time.handler';
import { ProvidePharmacologicManagementController } from './provide-pharmacologic-management/provide-pharmacologic-management.controller';
import { ProvidePharmacologicManagementHandler } from './provide-pharmacologic-management/provide-pharmacologic-management.handler';
import { ProvidePsychotherapyController } from './provide-psychotherapy/provide-psychotherapy.controller';
import { ProvidePsychotherapyHandler } from './provide-psychotherapy/provide-psychotherapy.handler';
import { RecordMonitoringDataController } from './record-monitoring-data/record-monitoring-data.controller';
import { RecordMonitoringDataHandler } from './record-monitoring-data/record-monitoring-data.handler';
import { RegisterOrganizationController } from './register-organization/register-organization.controller';
import { RegisterOrganizationHandler } from './register-organization/register-organization.handler';
import { RegisterPatientController } from './register-patient/register-patient.controller';
import { RegisterPatientHandler } from './register-patient/register-patient.handler';
import { RegisterPractitionerController } from './register-practitioner/register-practitioner.controller';
import { RegisterPractitionerHandler } from './register-practitioner/register-practitioner.handler';
import { ReopenMonthController } from './reopen-month/reopen-month.controller';
import { ReopenMonthHandler } from './reopen-month/reopen-month.handler';
import { ResolveConditionController } from './resolve-condition/resolve-condition.controller';
import { ResolveConditionHandler } from './resolve-condition/resolve-condition.handler';
import { ReviseCarePlanController } from './revise-care-plan/revise-care-plan.controller';
import { ReviseCarePlanHandler } from './revise-care-plan/revise-care-plan.handler';
import { RevokeConsentController } from './revoke-consent/revoke-consent.controller';
import { RevokeConsentHandler } from './revoke-consent/revoke-consent.handler';
import { SupplyDigitalTherapyController } from './supply-digital-therapy/supply-digital-therapy.controller';
import { SupplyDigitalTherapyHandler } from './supply-digital-therapy/supply-digital-therapy.handler';
import { VoidCareTimeController } from './void-care-time/void-care-time.controller';
import { VoidCareTimeHandler } from './void-care-time/void-care-time.handler';

/** One controller per use case (issue 4: every command of the contract). */
export const COMMAND_CONTROLLERS = [
  AmendCareTimeController,
  ClaimMonthController,
  CloseMonthController,
  CompleteEncounterController,
  DiagnoseConditionController,
  EstablishCarePlanController,
  GrantConsentController,
  LogCareTimeController,
  InitiateNavigationServicesController,
  LogNavigationTimeController,
  ProvidePharmacologicManagementController,
  ProvidePsychotherapyController,
  RecordMonitoringDataController,
  RegisterOrganizationController,
  RegisterPatientController,
  RegisterPractitionerController,
  ReopenMonthController,
  ResolveConditionController,
  ReviseCarePlanController,
  RevokeConsentController,
  SupplyDigitalTherapyController,
  VoidCareTimeController,
];

/** The CQRS handler of each use case. */
export const COMMAND_HANDLERS = [
  AmendCareTimeHandler,
  ClaimMonthHandler,
  CloseMonthHandler,
  CompleteEncounterHandler,
  DiagnoseConditionHandler,
  EstablishCarePlanHandler,
  GrantConsentHandler,
  LogCareTimeHandler,
  InitiateNavigationServicesHandler,
  LogNavigationTimeHandler,
  ProvidePharmacologicManagementHandler,
  ProvidePsychotherapyHandler,
  RecordMonitoringDataHandler,
  RegisterOrganizationHandler,
  RegisterPatientHandler,
  RegisterPractitionerHandler,
  ReopenMonthHandler,
  ResolveConditionHandler,
  ReviseCarePlanHandler,
  RevokeConsentHandler,
  SupplyDigitalTherapyHandler,
  VoidCareTimeHandler,
];
