/**
 * The prerequisite rules of deploy/local/prerequisites.js: facts about a machine in, one line per
 * missing tool out, each naming the tool and how to install it on Debian and on macOS.
 */
interface PrerequisiteFacts {
  nodeVersion: string;
  needKafka: boolean;
  javaVersion?: string | null;
  kafkaJarsCached?: boolean;
  mavenPresent?: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prerequisites = require('../../deploy/local/prerequisites.js') as {
  missingPrerequisites(f: PrerequisiteFacts): string[];
  parseNodeVersion(v: string): [number, number] | null;
  parseJavaMajor(out: string): number | null;
};
const { missingPrerequisites, parseNodeVersion, parseJavaMajor } = prerequisites;

const JAVA_17 =
  'openjdk version "17.0.13" 2024-10-15\nOpenJDK Runtime Environment (build 17.0.13+11-Debian-2)';
const bare: PrerequisiteFacts = {
  nodeVersion: 'v20.19.2',
  needKafka: true,
  javaVersion: JAVA_17,
  kafkaJarsCached: false,
  mavenPresent: true,
};

describe('missingPrerequisites', () => {
  it('given Node 20.19, Java 17 and Maven on a first run, reports nothing', () => {
    expect(missingPrerequisites(bare)).toEqual([]);
  });

  it.each(['v20.18.3', 'v18.20.4', 'v16.0.0', 'garbage'])(
    'given Node %s, names Node 20.19+ with the Debian and macOS install',
    (nodeVersion) => {
      const problems = missingPrerequisites({ ...bare, nodeVersion });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('Node.js 20.19+');
      expect(problems[0]).toContain(nodeVersion);
      expect(problems[0]).toMatch(/Debian: apt-get install -y nodejs.*macOS: brew install node/);
    },
  );

  it.each(['v20.19.0', 'v22.1.0', 'v24.11.1'])('given Node %s, accepts it', (nodeVersion) => {
    expect(missingPrerequisites({ ...bare, nodeVersion })).toEqual([]);
  });

  it('given no java, names a Java 17+ runtime with the Debian and macOS install', () => {
    const [line, ...rest] = missingPrerequisites({ ...bare, javaVersion: null });
    expect(rest).toEqual([]);
    expect(line).toContain('Java 17+');
    expect(line).toContain('`java` is missing');
    expect(line).toMatch(/Debian: apt-get install -y default-jre-headless.*macOS: brew install openjdk@17/);
  });

  it('given Java 11, says the version found is too old', () => {
    const problems = missingPrerequisites({ ...bare, javaVersion: 'openjdk version "11.0.22" 2024-01-16' });
    expect(problems).toEqual([expect.stringContaining('`java` is Java 11')]);
  });

  it('given no mvn and no cached Kafka jars, names Maven as a one-time need', () => {
    const problems = missingPrerequisites({ ...bare, mavenPresent: false });
    expect(problems).toEqual([
      expect.stringMatching(
        /^Maven is needed once.*Debian: apt-get install -y maven.*macOS: brew install maven/,
      ),
    ]);
  });

  it('given no mvn but the Kafka jars cached in .infra/, does not ask for Maven', () => {
    expect(missingPrerequisites({ ...bare, mavenPresent: false, kafkaJarsCached: true })).toEqual([]);
  });

  it('given a broker already running (no Kafka to start), asks for neither Java nor Maven', () => {
    expect(
      missingPrerequisites({
        nodeVersion: 'v20.19.2',
        needKafka: false,
        javaVersion: null,
        mavenPresent: false,
      }),
    ).toEqual([]);
  });

  it('given a bare machine with old Node, no Java and no Maven, gives one line for each', () => {
    const problems = missingPrerequisites({
      nodeVersion: 'v18.19.0',
      needKafka: true,
      javaVersion: null,
      kafkaJarsCached: false,
      mavenPresent: false,
    });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['Node.js', 'a', 'Maven']);
    expect(problems.every((p) => !p.includes('\n'))).toBe(true);
  });
});

describe('version parsing', () => {
  it.each([
    ['openjdk version "17.0.13" 2024-10-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_402"', 8],
    ['openjdk version "25-ea" 2025-09-16', 25],
    ['Unable to locate a Java Runtime.', null],
  ])('parseJavaMajor(%j) is %j', (out, major) => {
    expect(parseJavaMajor(out)).toBe(major);
  });

  it('parseNodeVersion reads major and minor', () => {
    expect(parseNodeVersion('v20.19.2')).toEqual([20, 19]);
    expect(parseNodeVersion('nonsense')).toBeNull();
  });
});
