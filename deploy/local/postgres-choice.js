'use strict';
/**
 * Which PostgreSQL `infra up` uses, decided from facts about the configured address (pure, so the rules
 * are unit tested without a server): the one that answers there, the machine's cluster for that port,
 * or the embedded server of this checkout (docs/adr/0303-embedded-postgres.md).
 */

const MODES = ['auto', 'always', 'never'];

/** The value of CARELEDGER_DB_EMBEDDED, validated; the error names the key. */
function parseEmbeddedMode(value) {
  const mode = value === undefined || value === '' ? 'auto' : String(value).trim().toLowerCase();
  if (!MODES.includes(mode)) {
    throw new Error(`CARELEDGER_DB_EMBEDDED must be one of ${MODES.join(', ')}, got "${value}"`);
  }
  return mode;
}

/**
 * @param {object} f
 * @param {'auto'|'always'|'never'} f.mode
 * @param {string} f.address              `host:port`, for the messages
 * @param {boolean} f.loopback            the host is this machine
 * @param {boolean} f.ours                this checkout's embedded server runs on that port
 * @param {boolean} f.answers             a PostgreSQL answers there and lets the configured user in
 * @param {string|null} f.rejects         a PostgreSQL answers there but refuses the login (its message)
 * @param {boolean} f.portTaken           something accepts TCP connections there
 * @param {{version: string, name: string}|null} f.machineCluster  a cluster of the machine set to that port
 * @returns {{ use: 'embedded'|'running'|'cluster'|null, start: boolean, why: string }}  `use: null` is an
 *   error whose `why` says what to do
 */
function choosePostgres(f) {
  const key = `CARELEDGER_DB_EMBEDDED=${f.mode}`;
  const port = f.address.slice(f.address.lastIndexOf(':') + 1);
  if (f.ours) {
    if (f.mode === 'never') {
      return {
        use: null,
        start: false,
        why: `this checkout's embedded PostgreSQL runs on ${f.address} but ${key}: stop it with npm run infra:down`,
      };
    }
    return {
      use: 'embedded',
      start: false,
      why: `this checkout's embedded PostgreSQL already runs (${key})`,
    };
  }
  if (f.answers || f.rejects) {
    if (f.mode === 'always') {
      return {
        use: null,
        start: false,
        why:
          `${key}, but a PostgreSQL not started by this checkout answers at ${f.address}: ` +
          'choose another CARELEDGER_DB_PORT, or set CARELEDGER_DB_EMBEDDED=auto to use that server',
      };
    }
    if (f.rejects) {
      return {
        use: null,
        start: false,
        why: `the PostgreSQL at ${f.address} refuses the login (${f.rejects}): check CARELEDGER_DB_USER and CARELEDGER_DB_PASSWORD`,
      };
    }
    return { use: 'running', start: false, why: `it answers at ${f.address} (not managed here)` };
  }
  if (!f.loopback) {
    return {
      use: null,
      start: false,
      why:
        f.mode === 'always'
          ? `${key} runs the server on 127.0.0.1 only, but CARELEDGER_DB_HOST names ${f.address}`
          : `PostgreSQL at ${f.address} is remote (not managed by infra) and does not answer`,
    };
  }
  if (f.portTaken) {
    return {
      use: null,
      start: false,
      why: `${f.address} is taken by something that is not PostgreSQL: choose another CARELEDGER_DB_PORT`,
    };
  }
  if (f.mode === 'always') {
    return { use: 'embedded', start: true, why: `${key}` };
  }
  if (f.machineCluster) {
    const c = `${f.machineCluster.version}/${f.machineCluster.name}`;
    return { use: 'cluster', start: true, why: `the machine's cluster ${c} is set to port ${port} (${key})` };
  }
  if (f.mode === 'never') {
    return {
      use: null,
      start: false,
      why:
        `nothing answers at ${f.address}, no cluster of this machine is set to port ${port}, and ${key}: ` +
        'start your PostgreSQL (Debian: apt-get install -y postgresql, macOS: brew install postgresql@18), ' +
        'or set CARELEDGER_DB_EMBEDDED=auto',
    };
  }
  return {
    use: 'embedded',
    start: true,
    why: `nothing answers at ${f.address} and no cluster of this machine is set to port ${port} (${key})`,
  };
}

module.exports = { choosePostgres, parseEmbeddedMode, MODES };
