import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A target group of the generated scrape config: one job per app. */
export interface ScrapeTarget {
  job: string;
  address: string;
}

/** Where Debian's package puts the binaries (`apt-get install prometheus`; .ci/run installs it). */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: apt-get install prometheus (.ci/run does it when missing)`);
  }
}

/**
 * Debian's real `prometheus` on a loopback port, with a generated config that scrapes the given
 * targets every second and loads the given rule files; its own storage in a temporary folder.
 */
export class PrometheusServer {
  private child: ChildProcess | undefined;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-prom-'));
  readonly output: string[] = [];

  constructor(
    readonly port: number,
    private readonly targets: ScrapeTarget[],
    private readonly ruleFiles: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The config file it runs with (scrape and evaluation every second). */
  configText(): string {
    const lines = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      '  evaluation_interval: 1s',
      'rule_files:',
      ...this.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
      'scrape_configs:',
      ...this.targets.flatMap((t) => [
        `  - job_name: ${JSON.stringify(t.job)}`,
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: [${JSON.stringify(t.address)}]`,
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }

  async start(deadlineMs = 30_000): Promise<void> {
    const config = path.join(this.dir, 'prometheus.yml');
    fs.writeFileSync(config, this.configText());
    execFileSync(prometheusBinary('promtool'), ['check', 'config', config], { stdio: 'pipe' });
    const child = spawn(
      prometheusBinary('prometheus'),
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => this.output.push(d.toString()));
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${this.output.join('')}`);
      const ready = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prometheus not ready within ${deadlineMs} ms: ${this.output.join('')}`);
  }

  /** An instant query through the HTTP API: the vector's samples with their labels and values. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
    return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** GET of another API path (`/api/v1/rules`, `/api/v1/targets`), parsed. */
  async api<T>(apiPath: string): Promise<T> {
    const res = await fetch(`${this.url}${apiPath}`);
    return ((await res.json()) as { data: T }).data;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
