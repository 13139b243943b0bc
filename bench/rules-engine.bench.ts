import 'reflect-metadata';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { type ContractEvent, type ReferenceData, determineMonth, isTenantEvent } from '@careledger/domain';
import { generateHealthSystem } from '@careledger/testing';

/** Options of the rules-engine benchmark. */
export interface RulesEngineBenchOptions {
  /** Patients generated (default 1,000). */
  patients?: number;
  /** Months generated and evaluated per patient (default the 10 months 2025-03..2025-12). */
  months?: string[];
  seed?: number;
  /** Reference data (default: `loadReferenceData(config.dataDir)`). */
  reference?: ReferenceData;
  /**
   * Patients of a separate warm-up population (other seed and ids) evaluated before measuring, so
   * that the figure is the steady state of a long-running projector, not V8's compile time
   * (default as many as measured; 0 measures a cold process). The measured events are never seen by the warm-up.
   */
  warmUpPatients?: number;
}

/** What the benchmark measured. `rules_patient_months_per_second` is the figure BENCH reports. */
export interface RulesEngineBenchResult {
  rules_patient_months_per_second: number;
  patientMonths: number;
  /** CPU seconds (user + system, `process.cpuUsage`) spent in `determineMonth` calls only. */
  cpuSeconds: number;
  /** Patient-months of the warm-up population evaluated (not measured). */
  warmUpPatientMonths: number;
  /** CPU seconds of the warm-up pass: the same workload in a cold process (JIT compiling). */
  warmUpCpuSeconds: number;
  wallSeconds: number;
  events: number;
  linesBilled: number;
  /** Target of issue 3: 10,000 patient-months in under 1 s of CPU. */
  targetMet: boolean;
}

const DEFAULT_MONTHS = [
  '2025-03',
  '2025-04',
  '2025-05',
  '2025-06',
  '2025-07',
  '2025-08',
  '2025-09',
  '2025-10',
  '2025-11',
  '2025-12',
];

/** Per patient: the tenant's reference events plus the patient's own, as a projector would pass them. */
function groupByPatient(events: readonly ContractEvent[]): { patientId: string; events: ContractEvent[] }[] {
  const tenant: ContractEvent[] = [];
  const byPatient = new Map<string, ContractEvent[]>();
  for (const e of events) {
    if (isTenantEvent(e) || e.patientId === undefined) {
      tenant.push(e);
      continue;
    }
    const list = byPatient.get(e.patientId) ?? [];
    list.push(e);
    byPatient.set(e.patientId, list);
  }
  return [...byPatient.entries()].map(([patientId, own]) => ({ patientId, events: [...tenant, ...own] }));
}

/**
 * Evaluates `patients x months` generated patient-months through `determineMonth` and measures the
 * CPU time of the evaluations alone (generation and grouping are outside the measurement). The
 * input of each call is exactly what a projector or replay hands the engine: the tenant's reference
 * events plus that patient's events.
 */
export function runRulesEngineBench(options: RulesEngineBenchOptions = {}): RulesEngineBenchResult {
  const patients = options.patients ?? 1_000;
  const months = options.months ?? DEFAULT_MONTHS;
  const reference = options.reference ?? loadReferenceData(loadConfig().dataDir);
  const seed = options.seed ?? 20_251_122;
  // The measured population is generated first: the generator's garbage is then collected during
  // the warm-up instead of inside the measurement.
  const events = generateHealthSystem({ seed, tenantId: 'bench-rules', patients, months, reference });
  const inputs = groupByPatient(events);
  const warmUpPatients = options.warmUpPatients ?? patients;
  const warmUp =
    warmUpPatients > 0
      ? groupByPatient(
          generateHealthSystem({
            seed: seed + 1,
            tenantId: 'bench-warm',
            patients: warmUpPatients,
            months,
            reference,
            patientIdPrefix: 'W',
          }),
        )
      : [];
  let warmUpPatientMonths = 0;
  const warmUpStart = process.cpuUsage();
  for (const input of warmUp) {
    for (const month of months) {
      determineMonth(input.events, { patientId: input.patientId, month, reference });
      warmUpPatientMonths++;
    }
  }

  const warmUpCpu = process.cpuUsage(warmUpStart);

  let linesBilled = 0;
  let patientMonths = 0;
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (const input of inputs) {
    for (const month of months) {
      const d = determineMonth(input.events, { patientId: input.patientId, month, reference });
      linesBilled += d.lines.length;
      patientMonths++;
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    rules_patient_months_per_second: Math.round(patientMonths / cpuSeconds),
    patientMonths,
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    warmUpPatientMonths,
    warmUpCpuSeconds: Number(((warmUpCpu.user + warmUpCpu.system) / 1e6).toFixed(3)),
    wallSeconds: Number(wallSeconds.toFixed(3)),
    events: events.length,
    linesBilled,
    targetMet: patientMonths >= 10_000 && cpuSeconds * (10_000 / patientMonths) < 1,
  };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(runRulesEngineBench(), null, 2)}\n`);
}
