import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Pool } from 'pg';
import { readScope, type Role } from '@careledger/auth';
import { type CareLedgerConfig, ConfigValidationError } from '@careledger/config';
import { CONFIG, PG_POOL } from '@careledger/http';
import { type BulkType, FHIR_TYPES, FhirService } from '../fhir.service';
import { type ExportJob, ExportJobs, type ExportOutput } from './bulk-export.jobs';
import { FhirPseudonymiser } from './fhir-pseudonyms';

/** Patients folded per step: memory holds one batch's resources, never a whole file. */
const PATIENT_BATCH = 100;

const isPatientType = (t: BulkType): boolean => (FHIR_TYPES as readonly string[]).includes(t);

/** The folder of one job's files. */
export const jobDir = (root: string, id: string): string => path.join(root, id);
/** The file name of a type's NDJSON. */
export const fileOf = (type: BulkType): string => `${type}.ndjson`;

/**
 * Checks at boot that CARELEDGER_FHIR_EXPORT_DIR is (or can be made) a writable folder; a
 * ConfigValidationError naming the key otherwise, so query-api does not start half-configured.
 */
export function assertExportDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw new ConfigValidationError([
      {
        key: 'CARELEDGER_FHIR_EXPORT_DIR',
        message: `is not a writable folder (${(e as NodeJS.ErrnoException).code ?? 'ENOTDIR'})`,
      },
    ]);
  }
}

/**
 * The Bulk Data export worker of query-api (ADR 1118). Every replica polls `fhir_export_jobs`, claims
 * one job at a time with FOR UPDATE SKIP LOCKED, walks the requester's patients in keyset batches,
 * folds each batch with the same mapper as the reads and appends the matching resources to one NDJSON
 * file per type through write streams (awaiting `drain`), beating between batches. A cancelled job
 * stops at the next batch and its folder is deleted; expired jobs' folders are deleted by the sweep.
 */
@Injectable()
export class BulkExportWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('BulkExportWorker');
  private readonly name = `query-api-${process.pid}-${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly jobs: ExportJobs,
    private readonly fhir: FhirService,
  ) {}

  onApplicationBootstrap(): void {
    assertExportDir(this.config.fhirExport.dir);
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((e: unknown) => this.log.warn(`export worker step failed: ${(e as Error).name}`))
        .then((worked) => this.schedule(worked === true ? 0 : this.config.fhirExport.pollMs));
    }, ms);
  }

  /** One step: sweep expired jobs, then run one claimed job. True when a job was run. */
  async tick(): Promise<boolean> {
    for (const id of await this.jobs.expire()) this.removeFiles(id);
    const job = await this.jobs.claim(this.name);
    if (!job) return false;
    try {
      const output = await this.run(job);
      if (output === 'stopped') {
        this.removeFiles(job.id);
        await this.jobs.release(job.id, this.name);
      } else if (output === null) {
        this.removeFiles(job.id);
      } else if (!(await this.jobs.complete(job.id, this.name, output, this.config.fhirExport.ttlHours))) {
        this.removeFiles(job.id);
      }
    } catch (e) {
      this.log.warn(`export ${job.id} failed: ${(e as Error).name}`);
      this.removeFiles(job.id);
      await this.jobs.fail(job.id, this.name, 'FHIR.EXPORT_FAILED');
    }
    return true;
  }

  private removeFiles(id: string): void {
    fs.rmSync(jobDir(this.config.fhirExport.dir, id), { recursive: true, force: true });
  }

  /** Writes the job's files: their outputs, null when cancelled meanwhile, 'stopped' on shutdown. */
  private async run(job: ExportJob): Promise<ExportOutput[] | null | 'stopped'> {
    const dir = jobDir(this.config.fhirExport.dir, job.id);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const streams = new Map(job.types.map((t) => [t, fs.createWriteStream(path.join(dir, fileOf(t)))]));
    const counts = new Map<BulkType, number>(job.types.map((t) => [t, 0]));
    const pseudo = job.pseudonymous
      ? new FhirPseudonymiser(this.config.readSide.pseudonymSecret, job.tenant_id)
      : null;
    const since = job.since ? job.since.getTime() : null;
    const scope = readScope({ roles: job.roles as Role[], departments: job.departments });
    const total = await this.countPatients(job, scope);
    let after: string | null = null;
    let done = 0;
    let cancelled = false;
    try {
      // The reference data first (no patient in it, so nothing to pseudonymise), then the patients.
      if (job.types.some((t) => streams.has(t) && !isPatientType(t))) {
        for (const x of await this.fhir.exportTenant(job.tenant_id, job.model_version)) {
          const type = x.resource.resourceType as BulkType;
          const stream = streams.get(type);
          if (!stream || !x.current || (since !== null && Date.parse(x.resource.meta.lastUpdated) <= since))
            continue;
          if (!stream.write(`${JSON.stringify(x.resource)}\n`)) await once(stream, 'drain');
          counts.set(type, counts.get(type)! + 1);
        }
      }
      for (;;) {
        if (this.stopped) break;
        const batch = await this.patients(job, scope, after);
        if (batch.length === 0) break;
        const exported = await this.fhir.exportByPatient(job.tenant_id, job.model_version, batch);
        for (const patientId of batch) {
          for (const x of exported.get(patientId) ?? []) {
            const type = x.resource.resourceType as BulkType;
            const stream = streams.get(type);
            if (!stream || !x.current || (since !== null && Date.parse(x.resource.meta.lastUpdated) <= since))
              continue;
            const resource = pseudo ? pseudo.resource(x.resource, patientId) : x.resource;
            if (!stream.write(`${JSON.stringify(resource)}\n`)) await once(stream, 'drain');
            counts.set(type, counts.get(type)! + 1);
          }
        }
        done += batch.length;
        after = batch.at(-1)!;
        if (!(await this.jobs.beat(job.id, this.name, `${done} of ${total} patients`))) {
          cancelled = true;
          break;
        }
      }
    } finally {
      await Promise.all([...streams.values()].map((s) => new Promise<void>((ok) => s.end(ok))));
    }
    if (cancelled) return null;
    if (this.stopped) return 'stopped';
    const output: ExportOutput[] = [];
    for (const type of job.types) {
      if (counts.get(type)! > 0) output.push({ type, file: fileOf(type), count: counts.get(type)! });
      else fs.rmSync(path.join(dir, fileOf(type)), { force: true });
    }
    return output;
  }

  private async countPatients(job: ExportJob, scope: 'tenant' | readonly string[]): Promise<number> {
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM patient_index
        WHERE model_version = $1 AND tenant_id = $2 AND ($3::text[] IS NULL OR department_ids && $3::text[])`,
      [job.model_version, job.tenant_id, scope === 'tenant' ? null : [...scope]],
    );
    return Number(r.rows[0]!.n);
  }

  /** The next batch of the requester's patients after `after`, in "C" order (keyset, no OFFSET). */
  private async patients(
    job: ExportJob,
    scope: 'tenant' | readonly string[],
    after: string | null,
  ): Promise<string[]> {
    const r = await this.pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM patient_index
        WHERE model_version = $1 AND tenant_id = $2 AND ($3::text[] IS NULL OR department_ids && $3::text[])
          AND ($4::text IS NULL OR patient_id COLLATE "C" > $4::text COLLATE "C")
        ORDER BY patient_id COLLATE "C" LIMIT $5`,
      [job.model_version, job.tenant_id, scope === 'tenant' ? null : [...scope], after, PATIENT_BATCH],
    );
    return r.rows.map((row) => row.patient_id);
  }
}
