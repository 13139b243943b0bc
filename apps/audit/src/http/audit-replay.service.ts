import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { CareLedgerConfig } from '@careledger/config';
import { EventStore } from '@careledger/event-store';
import { CONFIG, METRICS_REGISTRY, PG_POOL, ProblemError } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import { ReplayMetrics } from '@careledger/observability';
import { ReplayAuditRepository, type ReplayRequester } from '../replay/replay-audit.repository';
import { createReplayContext, type ReplayContext } from '../replay/replay-context';
import { formatReport } from '../replay/replay-format';
import type { ReplayOptions } from '../replay/replay-options';
import type { ReplayReport } from '../replay/replay-report';

/**
 * Replays larger than this many stored events of the tenant run as a job (202 + poll) instead of
 * inside the request, so no replay can run into the HTTP request timeout. A client may also ask for
 * a job explicitly with `Prefer: respond-async` (RFC 7240).
 */
export const SYNC_REPLAY_MAX_EVENTS = 50_000;

/** The result of a replay request: the report now, or a job to poll. */
export type ReplayOutcome =
  | { kind: 'report'; report: ReplayReport; body: string; contentType: string; replayId: string }
  | { kind: 'job'; jobId: string };

function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]+\.[A-Z_]+$/.test(code) ? code : 'AUDIT.REPLAY_FAILED';
}

/** Replays for the HTTP app: the same runner as the CLI, plus audit records and jobs. */
@Injectable()
export class AuditReplayService implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditReplayService.name);
  private readonly context: ReplayContext;
  private readonly kafka: Kafka;
  readonly records: ReplayAuditRepository;
  private readonly store: EventStore;
  private readonly running = new Set<Promise<unknown>>();
  private readonly metrics: ReplayMetrics;

  constructor(
    @Inject(CONFIG) config: CareLedgerConfig,
    @Inject(PG_POOL) pool: Pool,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.metrics = new ReplayMetrics(registry);
    this.kafka = createKafka(config.kafka, { clientIdSuffix: 'audit' });
    this.context = createReplayContext(config, { pool, kafka: this.kafka });
    this.records = new ReplayAuditRepository(pool);
    this.store = new EventStore(pool);
  }

  /** Run now (small tenant, one patient) or start a job (large tenant, or asked for). */
  async request(options: ReplayOptions, who: ReplayRequester, preferAsync: boolean): Promise<ReplayOutcome> {
    const large =
      options.patientId === null &&
      (await this.store.countTenantEvents(options.tenantId)) > SYNC_REPLAY_MAX_EVENTS;
    if (preferAsync || large) {
      const jobId = await this.records.createJob(options.tenantId, who.subject, options);
      const task = this.runJob(jobId, options, who).finally(() => this.running.delete(task));
      this.running.add(task);
      return { kind: 'job', jobId };
    }
    const { report, replayId } = await this.runRecorded(options, who, null);
    return {
      kind: 'report',
      report,
      body: formatReport(report, options.format),
      contentType: options.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      replayId,
    };
  }

  /** Run and write the audit record either way (a failed replay is recorded too). */
  private async runRecorded(
    options: ReplayOptions,
    who: ReplayRequester,
    jobId: string | null,
  ): Promise<{ report: ReplayReport; replayId: string }> {
    let report: ReplayReport;
    const ended = this.metrics.start(jobId === null ? 'request' : 'job');
    try {
      report = await this.context.runner.run(
        options,
        this.context.source(options.source),
        jobId === null ? undefined : this.jobProgress(jobId),
      );
    } catch (err) {
      ended('failed');
      await this.records.record(options.tenantId, who, options, { errorCode: errorCodeOf(err) }, jobId);
      const code = (err as { code?: unknown }).code;
      if (code === 'RULES.MISSING' || code === 'RULES.BAD_INPUT') {
        throw ProblemError.badRequest(String(code), [
          { field: (err as { field?: string }).field ?? 'month', message: (err as Error).message },
        ]);
      }
      throw err;
    }
    ended('ok');
    this.metrics.found(report);
    const replayId = await this.records.record(options.tenantId, who, options, { report }, jobId);
    return { report, replayId };
  }

  private jobProgress(jobId: string) {
    let last = 0;
    return {
      reading: (eventsRead: number): void => {
        // At most one progress write per 10,000 events: the job row is a hint, not a log.
        if (eventsRead - last < 10_000) return;
        last = eventsRead;
        void this.records.jobProgress(jobId, eventsRead).catch(() => undefined);
      },
      evaluating: (): void => undefined,
      finish: (): void => undefined,
    };
  }

  private async runJob(jobId: string, options: ReplayOptions, who: ReplayRequester): Promise<void> {
    try {
      const { report } = await this.runRecorded(options, who, jobId);
      await this.records.completeJob(
        jobId,
        report,
        options.format === 'csv' ? formatReport(report, 'csv') : null,
      );
    } catch (err) {
      this.logger.error({ jobId, code: errorCodeOf(err) }, 'replay job failed');
      await this.records
        .failJob(jobId, {
          code: errorCodeOf(err),
          detail: err instanceof ProblemError ? err.detail : 'The replay failed; see the audit service log.',
        })
        .catch(() => undefined);
    }
  }

  /** Let running jobs finish their writes before the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
