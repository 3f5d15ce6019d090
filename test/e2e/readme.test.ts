// The README's examples are checked, not just printed: the crontab lines run (against a loopback lab),
// the systemd units verify, the Kubernetes manifest parses, the jq one-liners answer.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BIN } from '../support/cli.js';
import { parseMermaid } from '../support/mermaid.js';
import { parseConfig } from '../../src/config/load.js';
import { EXIT_CODE_TABLE } from '../../src/exit-codes.js';
import { loopback, type Loopback } from '../support/loopback.js';

const exec = promisify(execFile);
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = (lang: string) => [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

let lab: Loopback;
let config: string;
let root: string;

beforeAll(async () => {
  lab = loopback();
  const dns = await lab.dns({ host: '127.0.6.53', data: { zones: ['test'], records: { 'shop.test': { A: ['127.0.6.1'] }, 'blog.test': { A: ['127.0.6.2'] } } } });
  const port = await lab.edges(['127.0.6.1', '127.0.6.2'], ['shop.test', 'blog.test'], () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  config = lab.writeFile(
    'probes.yaml',
    `resolvers:\n  - { name: lab, address: "127.0.6.53:${dns.port}" }\ndefaults: { timeout: 2s, deadline: 10s }\ntls: { ca: ${lab.caFile} }\nsites:\n  - { name: shop, url: "https://shop.test:${port}/" }\n  - { name: blog, url: "https://blog.test:${port}/" }\n`,
  );
  root = join(lab.dir, 'root');
  mkdirSync(root, { recursive: true });
});
afterAll(async () => {
  await lab.close();
});

/** (exec rejects on a non-zero exit, so each awaited run below also asserts exit 0.) */
/** A README command with its absolute paths moved under the test's directory and the binary made explicit. */
function localise(command: string): string {
  return command
    .replace(/^outage-probe /, `${process.execPath} ${BIN} `)
    .replaceAll('| outage-probe ', `| ${process.execPath} ${BIN} `)
    .replaceAll('/etc/outage-probe/probes.yaml', config)
    .replaceAll('/var/lib/', `${root}/var/lib/`);
}

describe('README examples', () => {
  const crontab = blocks('crontab').map((b) => b.trim().split(/\s+/).slice(5).join(' '));

  it('the crontab line runs: quiet and exit 0 on a healthy lab, history appended', async () => {
    expect(crontab[0]).toMatch(/^outage-probe check .*--state .*--quiet/);
    mkdirSync(join(root, 'var/lib/outage-probe'), { recursive: true });
    // Asynchronously: the lab's servers live in this process and must keep answering.
    const r = await exec('sh', ['-c', localise(crontab[0]!)], { env: { ...process.env, OUTAGE_PROBE_WEBHOOK: 'http://127.0.0.1:9/unused' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(existsSync(join(root, 'var/lib/outage-probe/state.json'))).toBe(true);
    expect(readFileSync(join(root, 'var/lib/outage-probe/history.ndjson'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('the textfile-collector line writes a metrics file (checked by promtool where installed)', async () => {
    mkdirSync(join(root, 'var/lib/node_exporter/textfile_collector'), { recursive: true });
    await exec('sh', ['-c', localise(crontab[1]!)]);
    const prom = join(root, 'var/lib/node_exporter/textfile_collector/outage_probe.prom');
    const text = readFileSync(prom, 'utf8');
    expect(text).toMatch(/^outage_probe_site_up\{/m);
    if (has('promtool')) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  });

  it.skipIf(!has('systemd-analyze'))('the systemd service and timer verify', () => {
    const dir = join(lab.dir, 'systemd');
    mkdirSync(dir, { recursive: true });
    const files = blocks('ini').map((unit) => {
      const name = /# \/etc\/systemd\/system\/(\S+)/.exec(unit)![1]!;
      writeFileSync(join(dir, name), unit);
      return join(dir, name);
    });
    expect(files.map((f) => f.split('/').at(-1))).toEqual(['outage-probe.service', 'outage-probe.timer']);
    const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('the Kubernetes CronJob parses and runs check with state and a vantage', () => {
    const manifest = blocks('yaml').map((b) => parseYaml(b) as Record<string, unknown>).find((d) => d && d.kind === 'CronJob') as {
      apiVersion: string;
      spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { containers: { command: string[] }[] } } } } };
    };
    expect(manifest.apiVersion).toBe('batch/v1');
    expect(manifest.spec.concurrencyPolicy).toBe('Forbid');
    const command = manifest.spec.jobTemplate.spec.template.spec.containers[0]!.command;
    expect(command).toEqual(expect.arrayContaining(['check', '--state', '--vantage', '--quiet']));
  });

  it('the probes.yaml examples parse as documented', () => {
    const examples = blocks('yaml').filter((b) => /^(resolvers|providers):/m.test(b));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(lab.dir, 'corp-ca.pem'), lab.ca.cert);
    for (const example of examples) {
      const text = /^sites:/m.test(example) ? example : `${example}\nsites:\n  - url: https://a.example/\n`;
      expect(() => parseConfig(text, join(lab.dir, 'example.yaml'))).not.toThrow();
    }
    const full = parseConfig(examples[0]!, join(lab.dir, 'example.yaml'));
    expect(full.sites.map((s) => s.name)).toEqual(['shop', 'api']);
    expect(full.sites[1]!.paths).toMatchObject({ ipv4: false, ipv6: true, proxies: ['http://proxy.internal:3128'] });
  });

  it.skipIf(!has('jq'))('the jq one-liners answer', async () => {
    const lines = blocks('sh').flatMap((b) => b.split('\n')).filter((l) => l.startsWith('outage-probe check --json | jq'));
    expect(lines).toHaveLength(3);
    const outputs = await Promise.all(lines.map((l) => exec('sh', ['-c', localise(l.replace('check --json', `check --json --config /etc/outage-probe/probes.yaml`))])));
    expect(outputs[0]!.stdout).toBe(''); // nothing is down
    expect(outputs[1]!.stdout).toBe(''); // no incidents
    expect(outputs[2]!.stdout).toMatch(/^lab \d+(\.\d+)?\n$/); // p95 TTFB of the one resolver
  });
});

describe('README pictures', () => {
  it('every mermaid block parses with Mermaid’s own parser (as GitHub renders it)', async () => {
    const pictures = blocks('mermaid');
    expect(pictures.length).toBeGreaterThan(0);
    for (const picture of pictures) expect(await parseMermaid(picture)).toEqual({ ok: true, type: 'flowchart-v2' });
  });
});

describe('the exit codes', () => {
  it("the README's table is the one --help prints (src/exit-codes.ts), row for row", () => {
    const rows = [...README.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(rows).toEqual(EXIT_CODE_TABLE.map(([code, text]) => [code, text]));
  });
});
