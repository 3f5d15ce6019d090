// One server several customers' sites are served from (a shared-hosting box, a VPS with many virtual hosts) failing
// for all of them is one shared cause, said about the server: it read as "3 down (shop, blog, wiki) of 7 sites; no
// shared cause found". Real nginx (src/lab/nginx.ts): name-based virtual hosts over TLS, each proxying to its
// application server; server A's are all gone (nginx's own 502 for each), server B still answers one of its
// sites itself (the control: B is up, its two failing sites are theirs). The real binary; loopback only.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { startNginx, type RunningNginx } from '../../src/lab/nginx.js';
import { freePort } from '../../src/lab/ports.js';
import { skipReason, toolSupport } from '../../src/lab/netns.js';
import { checkSitesAt, loopback, type Loopback } from '../support/loopback.js';
import { expectValidReport } from '../support/schema.js';

const reason = skipReason('shared-server tests (real nginx)', toolSupport([['nginx', '-v']]));

let lab: Loopback;
const servers: RunningNginx[] = [];
let report: Report;
let code: number | null;

describe.skipIf(reason !== null)('a shared web server failing for every site it serves', () => {
  beforeAll(async () => {
    lab = loopback();
    // The application servers' address, where nothing listens: they are gone.
    const gone = `127.0.13.8:${await freePort('127.0.13.8')}`;
    const vhost = (serverName: string, upstream: string | null) => ({ serverName, tls: lab.ca.issue([serverName]), upstream, body: `<html>${serverName}</html>` });
    const a = await startNginx('127.0.13.7', ['shop.alpha.test', 'blog.bravo.test', 'wiki.charlie.test'].map((n) => vhost(n, gone)));
    const b = await startNginx('127.0.13.9', [vhost('news.echo.test', gone), vhost('docs.foxtrot.test', gone), vhost('home.golf.test', null)]);
    servers.push(a, b);
    const healthy = await lab.edges(['127.0.13.20'], ['elsewhere.hotel.test'], () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
    const at: Record<string, [string, number]> = {
      'shop.alpha.test': ['127.0.13.7', a.port],
      'blog.bravo.test': ['127.0.13.7', a.port],
      'wiki.charlie.test': ['127.0.13.7', a.port],
      'news.echo.test': ['127.0.13.9', b.port],
      'docs.foxtrot.test': ['127.0.13.9', b.port],
      'home.golf.test': ['127.0.13.9', b.port],
      'elsewhere.hotel.test': ['127.0.13.20', healthy],
    };
    ({ code, report } = await checkSitesAt(lab, '127.0.13.53', at, 'shared.yaml'));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await lab?.close();
  });

  it("is that server's incident, named by its address, with nginx's own 502 as the evidence (exit 2)", () => {
    expectValidReport(report);
    const shop = report.sites.find((s) => s.name === 'shop')!;
    expect(shop.attempts[0]).toMatchObject({ httpStatus: 502, address: '127.0.13.7' });
    expect(shop.attempts[0]!.headers.server).toMatch(/^nginx/);
    expect(report.incidents.map((i) => [i.provider, i.layer, [...i.sites].sort()])).toEqual([['server 127.0.13.7', 'origin', ['blog', 'shop', 'wiki']]]);
    expect(report.incidents[0]!.summary).toMatch(/^server 127\.0\.13\.7 failing: 3 sites served from it fail there, and none is served from it in this run: it answers 502 for every one of them/);
    for (const name of ['shop', 'blog', 'wiki']) expect(report.sites.find((s) => s.name === name)!.blame).toMatchObject({ provider: 'server 127.0.13.7' });
    expect(code).toBe(2);
  });

  it('control: a server that still serves one of its sites is up; its two failing sites are their own', () => {
    const status = Object.fromEntries(report.sites.map((s) => [s.name, s.status]));
    expect(status).toMatchObject({ news: 'down', docs: 'down', home: 'ok', elsewhere: 'ok' });
    for (const name of ['news', 'docs']) expect(report.sites.find((s) => s.name === name)!.blame?.provider ?? null).toBeNull();
    expect(report.summary).toMatch(/\(\+2 sites down outside it\)$/);
  });
});
