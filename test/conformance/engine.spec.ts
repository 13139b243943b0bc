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
const files = listScenarioFiles([scenarioDir]);

describe('conformance scenarios through determineMonth', () => {
  it('finds the public scenarios', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    const scenario = loadScenarioFile(file);
    const result = determineMonth(scenario.events, { ...scenario.evaluate, reference });
    expect(scenario.expected).not.toBeNull();
    const comparison = compareWithExpectation(scenario.expected!, result);
    expect(comparison.problems).toEqual([]);
  });
});
