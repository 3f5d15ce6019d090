// Which servers this host's own resolver asks (resolv.conf(5); systemd-resolved.service(8) for its stub's
// uplinks), what that makes of the system resolver's operator, and host names looked up in the lookup helper. Files are written to a temporary directory:
// the real /etc/resolv.conf is never what a test reads.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNameservers, parseOptions, parseSearchList, readSystemNameservers, searchedFirst } from '../../src/util/nameservers.js';
import { withSystemNameservers } from '../../src/config/resolvers.js';
import type { ResolverSpec } from '../../src/model.js';
import { connectLookup } from '../../src/util/lookup-helper.js';

describe('parseNameservers', () => {
  it('reads nameserver lines in order, canonical, without an IPv6 zone; comments and other keywords are not servers', () => {
    const text = ['# nameserver 9.9.9.9', '; nameserver 8.8.8.8', 'search corp.example', 'nameserver 1.1.1.1', 'nameserver\t2606:4700:4700:0:0:0:0:1111', 'nameserver fe80::1%eth0', 'options edns0 trust-ad'].join('\n');
    expect(parseNameservers(text)).toEqual(['1.1.1.1', '2606:4700:4700::1111', 'fe80::1']);
  });

  it('uses at most three (MAXNS), as glibc does; a line that is not an address is skipped', () => {
    expect(parseNameservers('nameserver 192.0.2.1\nnameserver resolver.corp\nnameserver 192.0.2.2\nnameserver 192.0.2.3\nnameserver 192.0.2.4\n')).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('no nameserver line: null (glibc then asks this machine, which says nothing about who runs it)', () => {
    expect(parseNameservers('search example.com\noptions ndots:5\n')).toBeNull();
  });
});

describe('readSystemNameservers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-nameservers-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('resolv.conf naming servers: those, asked by getaddrinfo itself', () => {
    const resolvConf = file('plain.conf', 'nameserver 1.1.1.1\nnameserver 1.0.0.1\n');
    expect(readSystemNameservers({ resolvConf, resolvedUplinks: join(dir, 'absent') })).toEqual({ addresses: ['1.1.1.1', '1.0.0.1'], file: resolvConf, via: null });
  });

  it("naming only systemd-resolved's stub: the uplinks its own resolv.conf lists, through it", () => {
    const resolvConf = file('stub.conf', '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n');
    const resolvedUplinks = file('uplinks.conf', '# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(readSystemNameservers({ resolvConf, resolvedUplinks })).toEqual({ addresses: ['8.8.8.8', '8.8.4.4'], file: resolvedUplinks, via: 'systemd-resolved' });
    // Without the uplinks' file, the stub says nothing about who answers behind it.
    expect(readSystemNameservers({ resolvConf, resolvedUplinks: join(dir, 'absent') })).toBeNull();
  });

  it('how long getaddrinfo waits for a server, when not the default, and rotate: read where getaddrinfo asks the servers itself', () => {
    const resolvConf = file('waits.conf', 'nameserver 192.0.2.1\nnameserver 192.0.2.2\noptions timeout:2 attempts:3 rotate\n');
    expect(readSystemNameservers({ resolvConf, resolvedUplinks: join(dir, 'absent') })).toEqual({ addresses: ['192.0.2.1', '192.0.2.2'], file: resolvConf, via: null, timeout: 2, rotate: true });
    const defaults = file('defaults.conf', 'nameserver 192.0.2.1\noptions timeout:5 attempts:2\n');
    expect(readSystemNameservers({ resolvConf: defaults, resolvedUplinks: join(dir, 'absent') })).toEqual({ addresses: ['192.0.2.1'], file: defaults, via: null });
    // systemd-resolved waits for its uplinks as it does, whatever the stub file's options say.
    const stub = file('stub-waits.conf', 'nameserver 127.0.0.53\noptions timeout:1 rotate\n');
    const uplinks = file('uplinks-waits.conf', 'nameserver 8.8.8.8\n');
    expect(readSystemNameservers({ resolvConf: stub, resolvedUplinks: uplinks })).toEqual({ addresses: ['8.8.8.8'], file: uplinks, via: 'systemd-resolved' });
  });

  it('a search list with the servers: the domains and ndots, whoever the servers are', () => {
    const resolvConf = file('pod.conf', 'search default.svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(readSystemNameservers({ resolvConf, resolvedUplinks: join(dir, 'absent') })).toEqual({ addresses: ['10.96.0.10'], file: resolvConf, via: null, search: ['default.svc.cluster.local', 'cluster.local'], ndots: 5 });
  });

  it('no resolv.conf: null', () => {
    expect(readSystemNameservers({ resolvConf: join(dir, 'absent'), resolvedUplinks: join(dir, 'absent') })).toBeNull();
  });
});

describe('parseSearchList (resolv.conf(5): search, domain, options ndots; LOCALDOMAIN, RES_OPTIONS)', () => {
  it("a Kubernetes pod's file: its search domains, ndots:5", () => {
    // As the kubelet writes it for a pod with dnsPolicy ClusterFirst (kubernetes.io/docs/concepts/services-networking/dns-pod-service/).
    const text = 'search default.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n';
    expect(parseSearchList(text)).toEqual({ search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], ndots: 5 });
  });

  it('the last of search and domain wins; a domain line is one search domain; comments and a trailing dot are dropped', () => {
    expect(parseSearchList('search a.example b.example\ndomain c.example\n')).toEqual({ search: ['c.example'], ndots: 1 });
    expect(parseSearchList('domain c.example\n# search x.example\n; search y.example\nsearch A.Example. b.example\n')).toEqual({ search: ['a.example', 'b.example'], ndots: 1 });
  });

  it("systemd-resolved's stub file says `search .`: no search domain", () => {
    expect(parseSearchList('nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n', {}, 'host.corp.example')).toEqual({ search: [], ndots: 1 });
  });

  it("with neither line, the domain part of this host's name; none when the name has no dot", () => {
    expect(parseSearchList('nameserver 192.0.2.1\n', {}, 'web1.corp.example')).toEqual({ search: ['corp.example'], ndots: 1 });
    expect(parseSearchList('nameserver 192.0.2.1\n', {}, 'web1')).toEqual({ search: [], ndots: 1 });
  });

  it('LOCALDOMAIN replaces the search list, RES_OPTIONS amends the options; ndots is capped at 15', () => {
    const env = { LOCALDOMAIN: 'lab.example', RES_OPTIONS: 'ndots:30 attempts:2' };
    expect(parseSearchList('search corp.example\noptions ndots:2\n', env)).toEqual({ search: ['lab.example'], ndots: 15 });
    expect(parseSearchList('search corp.example\noptions ndots:2 timeout:1\n')).toEqual({ search: ['corp.example'], ndots: 2 });
  });
});

describe('parseOptions (resolv.conf(5): ndots, timeout, rotate; RES_OPTIONS amending them)', () => {
  it("glibc's defaults with no options line: ndots 1, timeout 5 s, no rotation", () => {
    expect(parseOptions('nameserver 192.0.2.1\n')).toEqual({ ndots: 1, timeout: 5, rotate: false });
  });

  it('every options line counts, the last value winning; timeout is capped at 30 and ndots at 15; a commented line does not count', () => {
    expect(parseOptions('options timeout:3\noptions rotate ndots:40\n# options timeout:9\noptions timeout:60\n')).toEqual({ ndots: 15, timeout: 30, rotate: true });
  });

  it('RES_OPTIONS amends the file', () => {
    expect(parseOptions('options timeout:3 ndots:2\n', { RES_OPTIONS: 'timeout:1 rotate' })).toEqual({ ndots: 2, timeout: 1, rotate: true });
  });
});

describe('searchedFirst', () => {
  const k8s = { search: ['svc.cluster.local'], ndots: 5 };
  it('a name with fewer dots than ndots is tried under the search domains first; one with as many or more, or a trailing dot, is not', () => {
    expect(searchedFirst('shop.example.com', k8s)).toBe(true);
    expect(searchedFirst('a.b.c.d.example.com', k8s)).toBe(false);
    expect(searchedFirst('shop.example.com.', k8s)).toBe(false);
    expect(searchedFirst('shop.example.com', { search: ['corp.example'], ndots: 1 })).toBe(false);
    expect(searchedFirst('intranet', { search: ['corp.example'], ndots: 1 })).toBe(true);
    expect(searchedFirst('shop.example.com', { search: [], ndots: 5 })).toBe(false);
  });
});

describe('withSystemNameservers', () => {
  const system: ResolverSpec = { name: 'system', kind: 'system', provider: null };
  const google: ResolverSpec = { name: 'google', kind: 'udp', address: '8.8.8.8', port: 53, provider: 'Google' };
  const found = (addresses: string[]) => ({ addresses, file: '/etc/resolv.conf', via: null });

  it("servers all one public operator's: the system resolver is that operator's; the others are untouched", () => {
    const [sys, other] = withSystemNameservers([system, google], found(['1.1.1.1', '2606:4700:4700::1001']));
    expect(sys).toEqual({ ...system, provider: 'Cloudflare', nameservers: found(['1.1.1.1', '2606:4700:4700::1001']) });
    expect(other).toBe(google);
  });

  it("servers of two operators, or a private one: nobody's (glibc falls back from one to the next)", () => {
    expect(withSystemNameservers([system], found(['1.1.1.1', '8.8.8.8']))[0]!.provider).toBeNull();
    expect(withSystemNameservers([system], found(['1.1.1.1', '192.168.1.1']))[0]!.provider).toBeNull();
    expect(withSystemNameservers([system], found(['192.168.1.1']))[0]).toMatchObject({ provider: null, nameservers: found(['192.168.1.1']) });
  });

  it('a provider configured for the system resolver stays', () => {
    expect(withSystemNameservers([{ ...system, provider: 'Corp IT' }], found(['1.1.1.1']))[0]!.provider).toBe('Corp IT');
  });
});

describe('connectLookup (host names of DoH servers, webhooks, status pages)', () => {
  const lookup = (name: string, options: { family?: number; all?: boolean }) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => connectLookup(name, options, (err, address, family) => resolve({ err, address, family })));

  it("answers as net's lookup does, from this host's resolver (localhost: /etc/hosts, nothing sent)", async () => {
    const all = await lookup('localhost', { all: true, family: 4 });
    expect(all.err).toBeNull();
    expect(all.address).toContainEqual({ address: '127.0.0.1', family: 4 });
    const one = await lookup('localhost', { family: 4 });
    expect([one.err, one.address, one.family]).toEqual([null, '127.0.0.1', 4]);
  });
});
