/**
 * Which PostgreSQL `infra up` uses (deploy/local/postgres-choice.js): the server that answers, the
 * machine's cluster for the port, or this checkout's embedded one, per CARELEDGER_DB_EMBEDDED.
 */
type EmbeddedMode = 'auto' | 'always' | 'never';
interface ChoiceFacts {
  mode: EmbeddedMode;
  address: string;
  loopback: boolean;
  ours: boolean;
  answers: boolean;
  rejects: string | null;
  portTaken: boolean;
  machineCluster: { version: string; name: string } | null;
}
interface PostgresChoice {
  use: 'embedded' | 'running' | 'cluster' | null;
  start: boolean;
  why: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { choosePostgres, parseEmbeddedMode } = require('../../deploy/local/postgres-choice.js') as {
  choosePostgres(f: ChoiceFacts): PostgresChoice;
  parseEmbeddedMode(v: string | undefined): EmbeddedMode;
};

const nothing: ChoiceFacts = {
  mode: 'auto',
  address: '127.0.0.1:55422',
  loopback: true,
  ours: false,
  answers: false,
  rejects: null,
  portTaken: false,
  machineCluster: null,
};
const cluster = { version: '15', name: 'main' };

describe('choosePostgres', () => {
  it('given auto and nothing at the port nor a cluster for it, starts the embedded server and says why', () => {
    const c = choosePostgres(nothing);
    expect(c).toMatchObject({ use: 'embedded', start: true });
    expect(c.why).toBe(
      'nothing answers at 127.0.0.1:55422 and no cluster of this machine is set to port 55422 (CARELEDGER_DB_EMBEDDED=auto)',
    );
  });

  it('given auto and a machine cluster set to the port, starts that cluster as before', () => {
    expect(choosePostgres({ ...nothing, machineCluster: cluster })).toMatchObject({
      use: 'cluster',
      start: true,
    });
  });

  it.each<EmbeddedMode>(['auto', 'never'])(
    'given %s and a server that answers, uses it and starts nothing',
    (mode) => {
      const c = choosePostgres({ ...nothing, mode, answers: true, portTaken: true });
      expect(c).toMatchObject({ use: 'running', start: false });
      expect(c.why).toContain('not managed here');
    },
  );

  it('given auto and our embedded server running, reuses it', () => {
    expect(choosePostgres({ ...nothing, ours: true, answers: true })).toMatchObject({
      use: 'embedded',
      start: false,
    });
  });

  it('given always and a machine cluster set to the free port, still starts the embedded server', () => {
    expect(choosePostgres({ ...nothing, mode: 'always', machineCluster: cluster })).toMatchObject({
      use: 'embedded',
      start: true,
    });
  });

  it('given always and a server not ours answering at the port, refuses and names the keys to change', () => {
    const c = choosePostgres({ ...nothing, mode: 'always', answers: true, portTaken: true });
    expect(c.use).toBeNull();
    expect(c.why).toMatch(/not started by this checkout.*CARELEDGER_DB_PORT.*CARELEDGER_DB_EMBEDDED=auto/);
  });

  it('given never, nothing at the port and no cluster for it, refuses with how to install PostgreSQL', () => {
    const c = choosePostgres({ ...nothing, mode: 'never' });
    expect(c.use).toBeNull();
    expect(c.why).toMatch(/Debian: apt-get install -y postgresql, macOS: brew install postgresql@18/);
  });

  it('given never and our embedded server running, refuses and says how to stop it', () => {
    const c = choosePostgres({ ...nothing, mode: 'never', ours: true, answers: true });
    expect(c.use).toBeNull();
    expect(c.why).toContain('npm run infra:down');
  });

  it('given a remote host that does not answer, never starts anything locally', () => {
    for (const mode of ['auto', 'always', 'never'] as EmbeddedMode[]) {
      const c = choosePostgres({ ...nothing, mode, loopback: false, address: 'db.example.internal:5432' });
      expect(c.use).toBeNull();
      expect(c.why).toContain('db.example.internal:5432');
    }
  });

  it('given the port taken by something that is not PostgreSQL, refuses rather than fight for it', () => {
    const c = choosePostgres({ ...nothing, portTaken: true });
    expect(c.use).toBeNull();
    expect(c.why).toContain('not PostgreSQL');
  });

  it('given a PostgreSQL that refuses the login, says so and names the user and password keys', () => {
    const c = choosePostgres({
      ...nothing,
      rejects: '28P01 password authentication failed',
      portTaken: true,
    });
    expect(c.use).toBeNull();
    expect(c.why).toMatch(/refuses the login \(28P01.*CARELEDGER_DB_USER and CARELEDGER_DB_PASSWORD/);
  });
});

describe('parseEmbeddedMode', () => {
  it('defaults to auto and accepts the three modes in any case', () => {
    expect(parseEmbeddedMode(undefined)).toBe('auto');
    expect(parseEmbeddedMode('')).toBe('auto');
    expect(parseEmbeddedMode('Always')).toBe('always');
    expect(parseEmbeddedMode('never')).toBe('never');
  });

  it('rejects anything else, naming the key', () => {
    expect(() => parseEmbeddedMode('sometimes')).toThrow(
      'CARELEDGER_DB_EMBEDDED must be one of auto, always, never, got "sometimes"',
    );
  });
});
