import * as path from 'node:path';
import type { BenchContext } from '../bench.types';
import type { StageOutcome } from '../stage-host';

interface RulesBenchModule {
  runRulesEngineBench(options: { patients?: number; months?: string[] }): {
    rules_patient_months_per_second: number;
    patientMonths: number;
    cpuSeconds: number;
    wallSeconds: number;
  };
}

/** RULES' `bench/rules-engine.bench.ts`: patient-months per CPU second through `determineMonth`. */
export async function runRulesStage(ctx: BenchContext): Promise<StageOutcome> {
  let mod: RulesBenchModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.join(__dirname, '..', 'rules-engine.bench')) as RulesBenchModule;
  } catch (err) {
    return {
      figures: [],
      throughput: [],
      notRun: `bench/rules-engine.bench.ts could not be loaded (${(err as Error).message.split('\n')[0]})`,
    };
  }
  const patients = { small: 300, medium: 1_000, large: 3_000 }[ctx.scale];
  const r = mod.runRulesEngineBench({ patients });
  return {
    events: r.patientMonths,
    eventsUnit: 'patient-months',
    figures: [
      {
        name: 'rules_patient_months_per_second',
        value: r.rules_patient_months_per_second,
        unit: 'patient-months/s (CPU)',
        baseline: null,
        ratio: null,
        better: 'higher',
        target: '>= 10,000',
        targetMet: r.rules_patient_months_per_second >= 10_000,
        note: `${r.patientMonths} patient-months in ${r.cpuSeconds} s CPU (${r.wallSeconds} s wall)`,
      },
    ],
    throughput: [{ label: 'rules engine (patient-months)', perSecond: r.rules_patient_months_per_second }],
  };
}
