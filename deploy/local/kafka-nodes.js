'use strict';
/**
 * The local Kafka layout and its broker processes (issue 13): one combined KRaft broker+controller
 * (the default, for `npm start` and most tests), or a cluster of several such nodes on loopback, each
 * a voter of one KRaft quorum, started from the same Maven jars. Plain Node (no build step), like
 * infra.js, which orchestrates PostgreSQL, the topics and the status around these processes.
 *
 * Ports: node i (1-based) listens on the i-th address of CARELEDGER_KAFKA_BROKERS when that lists
 * one per node, else on <first port> + 2(i-1); its controller listener takes the next port. So the
 * default cluster is 9092/9093, 9094/9095, 9096/9097.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');

const SERVER_TEMPLATE = path.join(__dirname, 'kafka', 'server.properties.template');
const LOG4J_CONFIG = path.join(__dirname, 'kafka', 'log4j2.properties');
const READY_LINE = 'Kafka Server started';
const MAX_NODES = 5;
const JVM_OPTS = [
  '-Xms256m',
  '-Xmx1g',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

function layoutFile(infraDir) {
  return path.join(infraDir, 'kafka-layout.json');
}

/** The node count a previous `infra up --brokers N` recorded for this checkout, or null. */
function recordedNodeCount(infraDir) {
  try {
    const n = JSON.parse(fs.readFileSync(layoutFile(infraDir), 'utf8')).nodes;
    return Number.isInteger(n) && n >= 1 ? n : null;
  } catch {
    return null;
  }
}

/** `--brokers N`: an integer from 1 to 5, else an error naming the flag. */
function parseBrokerCount(raw) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES)
    throw new InfraError(`--brokers must be an integer from 1 to ${MAX_NODES}, got "${raw}"`);
  return n;
}

/**
 * The layout for `count` nodes (null: what the environment lists, else what `up` recorded, else one).
 * `addresses` are CARELEDGER_KAFKA_BROKERS' entries as {host, port}.
 */
function resolveLayout({ infraDir, addresses, count = null }) {
  const n = count ?? (addresses.length > 1 ? addresses.length : (recordedNodeCount(infraDir) ?? 1));
  const host = addresses[0].host === 'localhost' ? '127.0.0.1' : addresses[0].host;
  if (n === 1) {
    const kafkaDir = path.join(infraDir, 'kafka');
    return {
      mode: 'single',
      host,
      replication: { factor: 1, minInsync: 1 },
      clusterIdFile: path.join(kafkaDir, 'cluster-id'),
      nodes: [
        {
          id: 1,
          brokerPort: addresses[0].port,
          controllerPort: addresses[0].port + 1,
          kafkaDir,
          dataDir: path.join(infraDir, 'kafka-data'),
          logFile: path.join(kafkaDir, 'broker.log'),
          pidFile: path.join(kafkaDir, 'broker.pid'),
        },
      ],
    };
  }
  const ports =
    addresses.length === n
      ? addresses.map((a) => a.port)
      : Array.from({ length: n }, (_, i) => addresses[0].port + 2 * i);
  const root = path.join(infraDir, 'kafka-cluster');
  return {
    mode: 'cluster',
    host,
    replication: replicationFor(n),
    clusterIdFile: path.join(root, 'cluster-id'),
    nodes: ports.map((port, i) => {
      const kafkaDir = path.join(root, `node-${i + 1}`);
      return {
        id: i + 1,
        brokerPort: port,
        controllerPort: port + 1,
        kafkaDir,
        dataDir: path.join(kafkaDir, 'data'),
        logFile: path.join(kafkaDir, 'broker.log'),
        pidFile: path.join(kafkaDir, 'broker.pid'),
      };
    }),
  };
}

/**
 * The replication a cluster of `brokers` nodes gives every topic: factor 3 (or every node, on fewer)
 * with min.insync.replicas one below it, so one broker may die without losing an acknowledged write
 * or refusing new ones (issue 13).
 */
function replicationFor(brokers) {
  const factor = Math.max(1, Math.min(3, brokers));
  return { factor, minInsync: Math.max(1, factor - 1) };
}

/** The bootstrap list of a layout (`host:port,...`), what the apps' CARELEDGER_KAFKA_BROKERS should say. */
function bootstrapOf(layout) {
  return layout.nodes.map((n) => `${layout.host}:${n.brokerPort}`);
}

function recordLayout(infraDir, layout) {
  if (layout.mode === 'single') fs.rmSync(layoutFile(infraDir), { force: true });
  else
    fs.writeFileSync(
      layoutFile(infraDir),
      `${JSON.stringify({ nodes: layout.nodes.length, brokers: bootstrapOf(layout) }, null, 2)}\n`,
    );
}

function forgetLayout(infraDir) {
  fs.rmSync(layoutFile(infraDir), { force: true });
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** True when `pid` is alive and is a Kafka broker JVM (not a recycled pid of something else). */
function isKafkaProcess(pid) {
  if (!processAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    return false; // /proc gone: the process just exited
  }
}

function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid of a node this checkout started, if it still runs. */
function runningPid(node) {
  const pid = readPid(node.pidFile);
  return pid !== null && isKafkaProcess(pid) ? pid : null;
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function renderServerProperties(layout, node) {
  const values = {
    nodeId: String(node.id),
    host: layout.host,
    brokerPort: String(node.brokerPort),
    controllerPort: String(node.controllerPort),
    quorumVoters: layout.nodes.map((n) => `${n.id}@${layout.host}:${n.controllerPort}`).join(','),
    replicationFactor: String(layout.replication.factor),
    minInsync: String(layout.replication.minInsync),
    dataDir: node.dataDir,
  };
  const text = fs.readFileSync(SERVER_TEMPLATE, 'utf8').replace(/\$\{(\w+)\}/g, (_, k) => {
    if (!(k in values)) throw new InfraError(`server.properties.template uses unknown placeholder \${${k}}`);
    return values[k];
  });
  const file = path.join(node.kafkaDir, 'server.properties');
  fs.writeFileSync(file, text);
  return file;
}

/**
 * 16 random bytes as unpadded base64url (22 characters), never starting with '-': the storage tool's
 * argument parser reads `-t -xyz...` as an option ("argument --cluster-id/-t: expected one
 * argument"), which failed one fresh cluster in 64 (a CI run of the fault suite). Kafka's own
 * `Uuid.randomUuid` draws again for the same reason.
 */
function newClusterId(random = crypto.randomBytes) {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id, kept across restarts (an id kept from before the fix that starts with '-' never formatted a node, so it is drawn again). */
function clusterId(layout) {
  if (fs.existsSync(layout.clusterIdFile)) {
    const kept = fs.readFileSync(layout.clusterIdFile, 'utf8').trim();
    if (kept && !kept.startsWith('-')) return kept;
  }
  fs.mkdirSync(path.dirname(layout.clusterIdFile), { recursive: true });
  const id = newClusterId();
  fs.writeFileSync(layout.clusterIdFile, `${id}\n`);
  return id;
}

function formatStorage(layout, node, classpath, propsFile) {
  // Formatting costs a JVM start; a data dir with meta.properties is formatted already.
  if (fs.existsSync(path.join(node.dataDir, 'meta.properties'))) return;
  const r = spawnSync(
    'java',
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      clusterId(layout),
      '-c',
      propsFile,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) {
    throw new InfraError(
      `kafka storage format of node ${node.id} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`,
    );
  }
}

/**
 * Spawns one node's JVM (detached, so it outlives this command) after writing its properties and
 * formatting its storage. Returns the child and a probe of whether its log says it started.
 */
function spawnNode(layout, node, classpath) {
  fs.mkdirSync(node.kafkaDir, { recursive: true });
  fs.mkdirSync(node.dataDir, { recursive: true });
  const propsFile = renderServerProperties(layout, node);
  formatStorage(layout, node, classpath, propsFile);
  // A fresh log per start, so that the readiness line we wait for is this start's.
  if (fs.existsSync(node.logFile)) fs.renameSync(node.logFile, `${node.logFile}.1`);
  const out = fs.openSync(node.logFile, 'a');
  const child = spawn(
    'java',
    [...JVM_OPTS, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath, 'kafka.Kafka', propsFile],
    { cwd: node.kafkaDir, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const state = { exited: null };
  child.once('exit', (code, signal) => {
    state.exited = { code, signal };
  });
  child.unref();
  fs.writeFileSync(node.pidFile, `${child.pid}\n`);
  const logSaysStarted = () => {
    try {
      return fs.readFileSync(node.logFile, 'utf8').includes(READY_LINE);
    } catch {
      return false;
    }
  };
  return { pid: child.pid, state, logSaysStarted };
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

module.exports = {
  InfraError,
  newClusterId,
  MAX_NODES,
  resolveLayout,
  replicationFor,
  parseBrokerCount,
  bootstrapOf,
  recordLayout,
  forgetLayout,
  recordedNodeCount,
  processAlive,
  isKafkaProcess,
  readPid,
  runningPid,
  tail,
  spawnNode,
  kill,
};
