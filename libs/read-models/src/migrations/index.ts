import type { MigrationInterface } from 'typeorm';
import { CreateReadModels1763800100000 } from './1763800100000-create-read-models.migration';
import { CreateAccessLog1763800800000 } from './1763800800000-create-access-log.migration';
import { CreateAuditReplays1763800900000 } from './1763800900000-create-audit-replays.migration';
import { CreateChargeFeed1763801600000 } from './1763801600000-create-charge-feed.migration';
import { CreateAnalyticsSchema1763802500000 } from './1763802500000-create-analytics-schema.migration';
import { CreateFhirExportJobs1763803100000 } from './1763803100000-create-fhir-export-jobs.migration';
import { DeadLetterRetry1763804100000 } from './1763804100000-dead-letter-retry.migration';

/** Read-model schema migrations (projections, checkpoints, access log, audit records, analytics views), in timestamp order. */
export const READ_MODEL_MIGRATIONS: (new () => MigrationInterface)[] = [
  CreateReadModels1763800100000,
  CreateAccessLog1763800800000,
  CreateAuditReplays1763800900000,
  CreateChargeFeed1763801600000,
  CreateAnalyticsSchema1763802500000,
  CreateFhirExportJobs1763803100000,
  DeadLetterRetry1763804100000,
];
