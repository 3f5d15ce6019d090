import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import {
  answersQuery,
  cnameChainFrom,
  decodeMessage,
  encodeQuery,
  extendedErrors,
  normalizeName,
  replyFields,
} from '../../src/probe/dns/wire.js';

function reply(packet: Packet & { rcode?: number }) {
  const bytes = dnsPacket.encode({ type: 'response', id: 7, questions: [{ type: 'A', name: 'q.test' }], ...packet, flags: (packet.flags ?? 0) | (packet.rcode ?? 0) });
  return dnsPacket.decode(bytes);
}

function opt(options: Array<{ code: number; data: Buffer }>, extendedRcode = 0): Answer {
  return { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode, ednsVersion: 0, flags: 0, flag_do: false, options } as unknown as Answer;
}

function ede(code: number, text: string): { code: number; data: Buffer } {
  const data = Buffer.alloc(2 + Buffer.byteLength(text));
  data.writeUInt16BE(code);
  data.write(text, 2);
  return { code: 15, data };
}

describe('the query message', () => {
  it('asks recursively with EDNS0 at 1232 bytes', () => {
    const q = dnsPacket.decode(encodeQuery('www.a.test', 'AAAA', 513));
    expect(q.id).toBe(513);
    expect(q.flag_rd).toBe(true);
    expect(q.questions).toEqual([{ name: 'www.a.test', type: 'AAAA', class: 'IN' }]);
    expect(q.additionals?.[0]).toMatchObject({ type: 'OPT', udpPayloadSize: 1232 });
  });
});

describe('matching a reply to the query', () => {
  it('needs the same id, a response, and the same question (case-insensitive)', () => {
    const r = reply({ questions: [{ type: 'A', name: 'Q.Test' }] });
    expect(answersQuery(r, 7, 'q.test', 'A')).toBe(true);
    expect(answersQuery(r, 8, 'q.test', 'A')).toBe(false);
    expect(answersQuery(r, 7, 'q.test', 'AAAA')).toBe(false);
    expect(answersQuery(r, 7, 'other.test', 'A')).toBe(false);
    const query = dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'q.test' }] }));
    expect(answersQuery(query, 7, 'q.test', 'A')).toBe(false);
  });

  it('treats bytes that are not DNS as no message', () => {
    expect(decodeMessage(Buffer.from([1, 2, 3]))).toBeNull();
    expect(decodeMessage(Buffer.alloc(0))).toBeNull();
  });
});

describe('Extended DNS Errors', () => {
  it('decodes every option 15 and strips control characters from the text', () => {
    const r = reply({ rcode: 2, additionals: [opt([ede(22, 'No Reachable Authority'), { code: 10, data: Buffer.alloc(8) }, ede(9, 'bad\u001b[31m key\u0000')])] });
    expect(extendedErrors(r)).toEqual([
      { code: 22, text: 'No Reachable Authority' },
      { code: 9, text: 'bad key' },
    ]);
  });

  it('ignores a truncated option and accepts an empty text', () => {
    const r = reply({ additionals: [opt([{ code: 15, data: Buffer.from([0]) }, ede(0, '')])] });
    expect(extendedErrors(r)).toEqual([{ code: 0, text: '' }]);
  });
});

describe('replyFields', () => {
  it('maps rcodes to outcomes, keeping unusual rcodes by name as servfail', () => {
    const outcome = (rcode: number) => {
      const f = replyFields(reply({ rcode }), 'q.test', 'A');
      return [f.outcome, f.rcode];
    };
    expect([0, 1, 2, 3, 4, 5, 9].map(outcome)).toEqual([
      ['empty', 'NOERROR'],
      ['servfail', 'FORMERR'],
      ['servfail', 'SERVFAIL'],
      ['nxdomain', 'NXDOMAIN'],
      ['servfail', 'NOTIMP'],
      ['refused', 'REFUSED'],
      ['servfail', 'NOTAUTH'],
    ]);
  });

  it('reads the extended rcode from the OPT record', () => {
    const f = replyFields(reply({ additionals: [opt([], 1)] }), 'q.test', 'A');
    expect(f.rcode).toBe('BADVERS');
    expect(f.outcome).toBe('servfail');
  });

  it('takes values only from the end of the CNAME chain, names normalised', () => {
    const f = replyFields(
      reply({
        answers: [
          { type: 'CNAME', name: 'Q.test', ttl: 60, data: 'Edge.CDN.test.' },
          { type: 'A', name: 'unrelated.test', ttl: 60, data: '203.0.113.9' },
          { type: 'A', name: 'edge.cdn.test', ttl: 20, data: '192.0.2.1' },
        ],
      }),
      'q.test',
      'A',
    );
    expect(f).toMatchObject({ outcome: 'ok', cnameChain: ['edge.cdn.test'], values: ['192.0.2.1'], error: null });
    expect(f.answers[0]).toEqual({ name: 'q.test', type: 'CNAME', ttl: 60, data: 'edge.cdn.test' });
  });

  it('finds the zone of an NS query from the answer or the SOA owner', () => {
    const soa: Answer = { type: 'SOA', name: 'Shop.test.', ttl: 60, data: { mname: 'ns1.shop.test', rname: 'h.shop.test' } };
    const below = replyFields(reply({ questions: [{ type: 'NS', name: 'www.shop.test' }], authorities: [soa] }), 'www.shop.test', 'NS');
    expect(below).toMatchObject({ outcome: 'empty', zone: 'shop.test', error: { code: 'NODATA' } });
    const apex = replyFields(
      reply({ questions: [{ type: 'NS', name: 'shop.test' }], answers: [{ type: 'NS', name: 'shop.test', ttl: 60, data: 'NS1.dns.test' }] }),
      'shop.test',
      'NS',
    );
    expect(apex).toMatchObject({ outcome: 'ok', zone: 'shop.test', values: ['ns1.dns.test'] });
  });

  it('names the zone of an address query that found no record from the SOA owner (RFC 2308), and none when it found one', () => {
    const soa: Answer = { type: 'SOA', name: 'Shop.test.', ttl: 60, data: { mname: 'ns1.shop.test', rname: 'h.shop.test' } };
    const nodata = replyFields(reply({ questions: [{ type: 'AAAA', name: 'www.shop.test' }], authorities: [soa] }), 'www.shop.test', 'AAAA');
    expect(nodata).toMatchObject({ outcome: 'empty', zone: 'shop.test' });
    const nxdomain = replyFields(reply({ rcode: 3, questions: [{ type: 'A', name: 'www.shop.test' }], authorities: [soa] }), 'www.shop.test', 'A');
    expect(nxdomain).toMatchObject({ outcome: 'nxdomain', zone: 'shop.test' });
    const found = replyFields(
      reply({ questions: [{ type: 'A', name: 'www.shop.test' }], answers: [{ type: 'A', name: 'www.shop.test', ttl: 60, data: '192.0.2.1' }], authorities: [soa] }),
      'www.shop.test',
      'A',
    );
    expect(found).toMatchObject({ outcome: 'ok', zone: null });
    expect(replyFields(reply({ questions: [{ type: 'AAAA', name: 'www.shop.test' }] }), 'www.shop.test', 'AAAA')).toMatchObject({ outcome: 'empty', zone: null });
  });

  it('names the failure and the name in the error (one record of it a reply: answer.ts keeps equal ones once)', () => {
    const soa: Answer = { type: 'SOA', name: 'shop.test', ttl: 60, data: { mname: 'ns1.shop.test', rname: 'h.shop.test' } };
    const first = replyFields(reply({ questions: [{ type: 'AAAA', name: 'www.shop.test' }], authorities: [soa] }), 'www.shop.test', 'AAAA');
    expect(first.error).toEqual({ code: 'NODATA', message: 'no AAAA records for www.shop.test' });
    const otherName = replyFields(reply({ questions: [{ type: 'AAAA', name: 'api.shop.test' }], authorities: [soa] }), 'api.shop.test', 'AAAA');
    expect(otherName.error).toEqual({ code: 'NODATA', message: 'no AAAA records for api.shop.test' });
    const servfail = replyFields(reply({ questions: [{ type: 'AAAA', name: 'www.shop.test' }], rcode: 2 }), 'www.shop.test', 'AAAA');
    expect(servfail.error).toEqual({ code: 'SERVFAIL', message: 'SERVFAIL for www.shop.test AAAA' });
  });

  it('stops following a CNAME loop', () => {
    const records = [
      { name: 'a.test', type: 'CNAME', ttl: 1, data: 'b.test' },
      { name: 'b.test', type: 'CNAME', ttl: 1, data: 'a.test' },
    ];
    expect(cnameChainFrom('a.test', records)).toEqual(['b.test']);
  });

  it('normalises names: lower case, no trailing dot', () => {
    expect(normalizeName('WWW.Example.TEST.')).toBe('www.example.test');
    expect(normalizeName('.')).toBe('.');
  });
});
