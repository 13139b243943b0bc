import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONFIG_KEYS, repoRoot } from '@careledger/config';

/** deploy/k8s cannot be applied here; this keeps it complete against the apps and CONFIG_KEYS. */
interface K8sDoc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: {
      spec?: {
        containers?: {
          command?: string[];
          envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
        }[];
      };
    };
  };
}

const dir = path.join(repoRoot(), 'deploy', 'k8s');
const load = (file: string): K8sDoc[] =>
  parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as K8sDoc);
const configMap = load('configmap.yaml')[0]!;
const secret = load('secret.example.yaml')[0]!;
const workloads = [...load('apps.yaml'), ...load('jobs.yaml')].filter(
  (d) => d.kind === 'Deployment' || d.kind === 'Job',
);
const nestCli = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'nest-cli.json'), 'utf8')) as {
  projects: Record<string, { type: string }>;
};
const apps = Object.entries(nestCli.projects)
  .filter(([, p]) => p.type === 'application')
  .map(([name]) => name);

describe('deploy/k8s', () => {
  it('configures every required key, secrets only in the secret, and no unknown key', () => {
    const inMap = Object.keys(configMap.data ?? {});
    const inSecret = Object.keys(secret.stringData ?? {});
    const required = Object.entries(CONFIG_KEYS)
      .filter(([, s]) => s.default !== undefined)
      .map(([k]) => k);
    expect(required.filter((k) => !inMap.includes(k) && !inSecret.includes(k))).toEqual([]);
    expect([...inMap, ...inSecret].filter((k) => !(k in CONFIG_KEYS))).toEqual([]);
    expect(inMap.filter((k) => inSecret.includes(k))).toEqual([]);
  });

  it('deploys every app with its compiled entry, and runs the topic and migration jobs', () => {
    const commands = workloads.map((w) => w.spec!.template!.spec!.containers![0]!.command);
    for (const app of apps) expect(commands).toContainEqual(['node', `dist/apps/${app}/src/main.js`]);
    expect(commands).toContainEqual(['node', 'deploy/local/infra.js', 'topics']);
    expect(commands).toContainEqual(['node', 'dist/tools/cli/main.js', 'migrate']);
  });

  it('runs the layout the fault test proves (issue 13): 2 care-api, 2 query-api, 3 projector members, 1 audit', () => {
    const replicas = Object.fromEntries(
      workloads.filter((w) => w.kind === 'Deployment').map((w) => [w.metadata.name, w.spec!.replicas]),
    );
    expect(replicas).toEqual({ 'care-api': 2, 'query-api': 2, projector: 3, audit: 1 });
  });

  it('gives every workload the config map and the secret', () => {
    for (const w of workloads) {
      const envFrom = w.spec!.template!.spec!.containers![0]!.envFrom ?? [];
      expect(envFrom.map((e) => e.configMapRef?.name ?? e.secretRef?.name).sort()).toEqual([
        'careledger-config',
        'careledger-secrets',
      ]);
    }
  });
});
