import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerFhir } from './fhir.command';

/** `careledger fhir validate` runs the real HAPI FHIR validator (one JVM for both files). */
describe('careledger fhir validate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-validate-'));
  const good = path.join(dir, 'patient.json');
  const bad = path.join(dir, 'condition.json');
  fs.writeFileSync(
    good,
    JSON.stringify({
      resourceType: 'Patient',
      id: 'p-1',
      identifier: [{ system: 'urn:careledger:patient', value: 'p-1' }],
    }),
  );
  // a code outside the required Condition clinical-status value set: the validator must say error
  fs.writeFileSync(
    bad,
    JSON.stringify({
      resourceType: 'Condition',
      id: 'c-1',
      subject: { reference: 'Patient/p-1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'cured' }],
      },
    }),
  );
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('passes a valid file with its warnings listed and fails a file with an error (exit 1)', async () => {
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    let exit = 0;
    try {
      const program = new Command('careledger').exitOverride();
      registerFhir(program, (c) => (exit = Math.max(exit, c)));
      await program.parseAsync(['node', 'careledger', 'fhir', 'validate', good, bad]);
    } finally {
      write.mockRestore();
    }
    const lines = out.split('\n');
    expect(lines.find((l) => l.startsWith('PASS'))).toMatch(/patient\.json: 0 error\(s\), \d+ warning/);
    expect(lines.find((l) => l.startsWith('FAIL'))).toMatch(/condition\.json: [1-9]\d* error\(s\)/);
    expect(out).toMatch(/error Condition\.clinicalStatus: .*cured/);
    expect(out).toMatch(/warning Patient: .*dom-6/);
    expect(exit).toBe(1);
  }, 180_000);

  it('answers exit 2 for a file that does not exist, without starting Java', async () => {
    let exit = 0;
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const program = new Command('careledger').exitOverride();
      registerFhir(program, (c) => (exit = Math.max(exit, c)));
      await program.parseAsync(['node', 'careledger', 'fhir', 'validate', path.join(dir, 'absent.json')]);
    } finally {
      err.mockRestore();
    }
    expect(exit).toBe(2);
  });
});
