import 'reflect-metadata';
import * as path from 'node:path';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { compareWithExpectation, listScenarioFiles, loadScenarioFile } from '@careledger/testing';

/**
 * Every public conformance scenario through the pure engine, one test per file. The scenarios are
 * read from the shared folder (never copied here); reference data from the configured data folder.
 */
const config = loadConfig();
const scenarioDir = path.resolve(__dirname, '../../../shared/conformance/scenarios');
const reference = loadReferenceData(config.dataDir);
/** The project's own scenarios for the contract extension 1.1 (docs/contract/, docs/rules/). */
const projectDir = path.resolve(__dirname, 'scenarios');
const files = listScenarioFiles([scenarioDir, projectDir]);

describe('conformance scenarios through determineMonth', () => {
  it('finds the public scenarios and the project scenarios', () => {
    expect(files.filter((f) => f.startsWith(scenarioDir)).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith(projectDir)).length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    const scenario = loadScenarioFile(file);
    const result = determineMonth(scenario.events, { ...scenario.evaluate, reference });
    expect(scenario.expected).not.toBeNull();
    const comparison = compareWithExpectation(scenario.expected!, result);
    expect(comparison.problems).toEqual([]);
  });
});
