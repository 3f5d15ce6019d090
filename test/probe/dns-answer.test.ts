// How a run keeps a DNS answer (src/probe/dns/answer.ts): what a reply said is kept once for equal replies, and an
// answer still reads, and prints, exactly as the record it stands for.

import { describe, expect, it } from 'vitest';
import { keptAnswer, type AnswerSaid, type Asked } from '../../src/probe/dns/answer.js';
import { replyError } from '../../src/probe/dns/wire.js';
import { NONE } from '../../src/util/collections.js';

const asked = (name: string, resolver = 'alpha'): Asked => ({ resolver, name, server: '127.0.9.1:53', startedAt: '2026-12-04T12:00:00.000Z', durationTenthsMs: 42 });

function nodata(name: string, type: 'AAAA' | 'NS', extra: Partial<AnswerSaid> = {}): AnswerSaid {
  const said: AnswerSaid = { type, outcome: 'empty', rcode: 'NOERROR', answers: NONE, cnameChain: NONE, values: NONE, zone: null, ede: NONE, authenticated: false, transport: 'udp', error: null, ...extra };
  return { ...said, error: replyError(said.outcome, said.rcode!, name, type, said.ede) };
}

describe('keptAnswer', () => {
  it('prints the documented fields in their order, and reads each of them', () => {
    const records = [{ name: 'www.shop.test', type: 'A' as const, ttl: 300, data: '127.0.12.1' }];
    const said: AnswerSaid = { type: 'A', outcome: 'ok', rcode: 'NOERROR', answers: records, cnameChain: NONE, values: ['127.0.12.1'], zone: null, ede: NONE, authenticated: true, transport: 'udp', error: null };
    const answer = keptAnswer(asked('www.shop.test'), said);
    const record = { resolver: 'alpha', name: 'www.shop.test', type: 'A', outcome: 'ok', rcode: 'NOERROR', answers: records, cnameChain: [], values: ['127.0.12.1'], zone: null, ede: [], authenticated: true, server: '127.0.9.1:53', transport: 'udp', startedAt: '2026-12-04T12:00:00.000Z', durationMs: 4.2, error: null };
    expect(JSON.stringify(answer)).toBe(JSON.stringify(record));
    for (const [field, value] of Object.entries(record)) expect(answer[field as keyof typeof answer], field).toEqual(value);
  });

  it('reads each answer\'s own resolver and address, however many answers one resolver gives', () => {
    const at = (resolver: string, server: string, name: string) => keptAnswer({ ...asked(name, resolver), server }, nodata(name, 'AAAA'));
    const answers = [at('alpha', '127.0.9.1:53', 'a.test'), at('alpha', '127.0.9.1:53', 'b.test'), at('beta', '127.0.9.2:53', 'a.test'), at('alpha', '127.0.9.3:53', 'c.test'), at('alpha', '127.0.9.1:53', 'd.test')];
    expect(answers.map((a) => [a.resolver, a.server, a.name])).toEqual([
      ['alpha', '127.0.9.1:53', 'a.test'],
      ['alpha', '127.0.9.1:53', 'b.test'],
      ['beta', '127.0.9.2:53', 'a.test'],
      ['alpha', '127.0.9.3:53', 'c.test'],
      ['alpha', '127.0.9.1:53', 'd.test'],
    ]);
    expect(answers.map((a) => JSON.parse(JSON.stringify(a)).server)).toEqual(['127.0.9.1:53', '127.0.9.1:53', '127.0.9.2:53', '127.0.9.3:53', '127.0.9.1:53']);
    // Who was asked is not an answer's own field: spread syntax sees the name and start only.
    expect(Object.keys(answers[0]!)).toEqual(['name', 'startedAt']);
  });

  it("gives each name its own standard error when the reply is kept once for many names", () => {
    const www = keptAnswer(asked('www.shop.test'), nodata('www.shop.test', 'AAAA'));
    const api = keptAnswer(asked('api.shop.test', 'beta'), nodata('api.shop.test', 'AAAA'));
    expect(www.error).toEqual({ code: 'NODATA', message: 'no AAAA records for www.shop.test' });
    expect(api.error).toEqual({ code: 'NODATA', message: 'no AAAA records for api.shop.test' });
    expect(JSON.parse(JSON.stringify(api)).error).toEqual({ code: 'NODATA', message: 'no AAAA records for api.shop.test' });
    const ede = [{ code: 18, text: 'Prohibited' }];
    const refused = (name: string): AnswerSaid => {
      const said: AnswerSaid = { ...nodata(name, 'NS'), outcome: 'refused', rcode: 'REFUSED', ede };
      return { ...said, error: replyError('refused', 'REFUSED', name, 'NS', ede) };
    };
    expect(keptAnswer(asked('a.test'), refused('a.test')).error).toEqual({ code: 'REFUSED', message: 'REFUSED for a.test NS (EDE 18: Prohibited)' });
    expect(keptAnswer(asked('b.test'), refused('b.test')).error!.message).toBe('REFUSED for b.test NS (EDE 18: Prohibited)');
  });

  it('keeps an error that is not the standard one for its name as it was given', () => {
    const timeout: AnswerSaid = { ...nodata('x.test', 'AAAA'), outcome: 'timeout', rcode: null, authenticated: null, error: { code: 'ETIMEOUT', message: 'no reply from 127.0.9.1:53 within 5000 ms' } };
    expect(keptAnswer(asked('x.test'), timeout).error).toEqual({ code: 'ETIMEOUT', message: 'no reply from 127.0.9.1:53 within 5000 ms' });
    expect(keptAnswer(asked('y.test'), timeout).error).toEqual({ code: 'ETIMEOUT', message: 'no reply from 127.0.9.1:53 within 5000 ms' });
    // A NODATA at the end of a CNAME chain names the chain's target, not the name asked.
    const chained: AnswerSaid = { ...nodata('www.shop.test', 'AAAA'), cnameChain: ['edge.cdn.test'], error: { code: 'NODATA', message: 'no AAAA records for edge.cdn.test' } };
    expect(keptAnswer(asked('www.shop.test'), chained).error!.message).toBe('no AAAA records for edge.cdn.test');
  });

  it('never lets an earlier reply stand for a different one to the same question', () => {
    const reply = (address: string): AnswerSaid => ({ type: 'A', outcome: 'ok', rcode: 'NOERROR', answers: NONE, cnameChain: NONE, values: [address], zone: null, ede: NONE, authenticated: false, transport: 'udp', error: null });
    const first = keptAnswer(asked('www.moving.test'), reply('127.0.12.1'));
    const second = keptAnswer(asked('www.moving.test', 'beta'), reply('127.0.12.2'));
    expect(first.values).toEqual(['127.0.12.1']);
    expect(second.values).toEqual(['127.0.12.2']);
    const zoned = keptAnswer(asked('a.one.test'), nodata('a.one.test', 'NS', { zone: 'one.test' }));
    const other = keptAnswer(asked('b.two.test'), nodata('b.two.test', 'NS', { zone: 'two.test' }));
    expect([zoned.zone, other.zone]).toEqual(['one.test', 'two.test']);
    const validated = keptAnswer(asked('c.two.test'), nodata('c.two.test', 'NS', { zone: 'two.test', authenticated: true }));
    expect([other.authenticated, validated.authenticated]).toEqual([false, true]);
  });

  it('shares the records, chain and values of equal replies (two resolvers asked the same question), frozen', () => {
    const reply = (ttl = 60): AnswerSaid => ({
      type: 'A',
      outcome: 'ok',
      rcode: 'NOERROR',
      answers: [
        { name: 'www.shop.test', type: 'CNAME', ttl, data: 'shop.cdn.test' },
        { name: 'shop.cdn.test', type: 'A', ttl, data: '127.0.12.1' },
      ],
      cnameChain: ['shop.cdn.test'],
      values: ['127.0.12.1'],
      zone: null,
      ede: NONE,
      authenticated: false,
      transport: 'udp',
      error: null,
    });
    const [first, second] = [keptAnswer(asked('www.shop.test'), reply()), keptAnswer(asked('www.shop.test', 'beta'), reply())];
    expect(first).toMatchObject({ outcome: 'ok', cnameChain: ['shop.cdn.test'], values: ['127.0.12.1'] });
    expect(second.answers).toBe(first.answers);
    expect(second.cnameChain).toBe(first.cnameChain);
    expect(second.values).toBe(first.values);
    expect(Object.isFrozen(first.answers) && Object.isFrozen(first.values)).toBe(true);
    // Another TTL is another record list; its addresses are still the same list.
    const aged = keptAnswer(asked('www.shop.test', 'gamma'), reply(30));
    expect(aged.answers).not.toBe(first.answers);
    expect(aged.answers.map((r) => r.ttl)).toEqual([30, 30]);
    expect(aged.values).toBe(first.values);
  });

  it('keeps one error record for the same failure, whichever resolver reports it', () => {
    // NODATA at a CNAME's target: an error of this name's own, kept once for both resolvers.
    const chained = (): AnswerSaid => ({ ...nodata('www.shop.test', 'AAAA'), cnameChain: ['edge.cdn.test'], error: { code: 'NODATA', message: 'no AAAA records for edge.cdn.test' } });
    const [first, second] = [keptAnswer(asked('www.shop.test'), chained()), keptAnswer(asked('www.shop.test', 'beta'), chained())];
    expect(first.error).toEqual({ code: 'NODATA', message: 'no AAAA records for edge.cdn.test' });
    expect(second.error).toBe(first.error);
  });
});
