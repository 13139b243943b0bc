import { type DynamicModule, Module } from '@nestjs/common';
import { AccessLogModule, AuthModule } from '@careledger/auth';
import { type CareLedgerConfig, loadConfig, loadReferenceData } from '@careledger/config';
import { AppConfigModule, HealthModule, LoggingModule, MetricsModule, PgPoolModule } from '@careledger/http';
import { BillingOfficeController } from './billing-office/billing-office.controller';
import { BillingOfficeService } from './billing-office/billing-office.service';
import { ProjectionConsistencyInterceptor } from './consistency/projection-consistency.interceptor';
import { ConsentHistoryController } from './consents/consent-history.controller';
import { ConsentHistoryService } from './consents/consent-history.service';
import { ProjectionStatusService } from './consistency/projection-status.service';
import { FhirController } from './fhir/fhir.controller';
import { BulkExportController } from './fhir/bulk/bulk-export.controller';
import { ExportJobs } from './fhir/bulk/bulk-export.jobs';
import { BulkExportWorker } from './fhir/bulk/bulk-export.worker';
import { FhirAuditEventController } from './fhir/fhir-audit-event.controller';
import { FhirAuditEventService } from './fhir/fhir-audit-event.service';
import { FhirSearchPager } from './fhir/fhir-search-pager';
import { FhirTransactionController } from './fhir/import/fhir-transaction.controller';
import { FhirService } from './fhir/fhir.service';
import { PatientMonthController } from './patient-months/patient-month.controller';
import { PatientMonthService, REFERENCE_DATA } from './patient-months/patient-month.service';
import { CLOCK, type Clock, ReadModelQueryService } from './read-models/read-model-query.service';
import { ReadModelsController } from './read-models/read-models.controller';

/** Options for tests: a fixed clock for the worklist's current month. */
export interface QueryApiOptions {
  clock?: Clock;
}

/** query-api (port 3001): the read models over HTTP, CSV exports, OpenAPI at `/docs`. */
@Module({})
export class QueryApiModule {
  static forRoot(config: CareLedgerConfig = loadConfig(), options: QueryApiOptions = {}): DynamicModule {
    return {
      module: QueryApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('query-api'),
        MetricsModule.forRoot('query-api'),
        PgPoolModule,
        AuthModule.forRoot(config),
        AccessLogModule.forRoot({ app: 'query-api' }),
        HealthModule.register({ name: 'query-api' }),
      ],
      controllers: [
        ReadModelsController,
        PatientMonthController,
        ConsentHistoryController,
        BillingOfficeController,
        // before FhirController: its `:type` routes must not answer for AuditEvent (auditors only), $export or bulk URLs
        FhirAuditEventController,
        BulkExportController,
        FhirController,
        FhirTransactionController,
      ],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? (() => new Date()) },
        { provide: REFERENCE_DATA, useValue: loadReferenceData(config.dataDir) },
        ProjectionStatusService,
        ProjectionConsistencyInterceptor,
        ReadModelQueryService,
        PatientMonthService,
        ConsentHistoryService,
        BillingOfficeService,
        FhirService,
        FhirSearchPager,
        FhirAuditEventService,
        ExportJobs,
        BulkExportWorker,
      ],
    };
  }
}
