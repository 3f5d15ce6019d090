// The run's fetches at one server address: at most a few at once, fewer once the server failed a fetch while several
// were there (halved, once per wave), one alone when asked for, no limit once a server that served nothing let a fetch
// wait its whole time, and whether the server serves this run told to those who wait for it. Pure timing with
// promises; no network.

import { describe, expect, it } from 'vitest';
import { AddressSlots, type AddressAnswer, type AddressTurn } from '../../src/probe/address-slots.js';

/** A piece of work that ends when told to, and says what the server did with it. */
function gate(answer: AddressAnswer = 'served') {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  let started = false;
  return {
    work: async () => {
      started = true;
      await done;
      return answer;
    },
    open,
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** One fetch at 192.0.2.1, served. */
async function servedOnce(slots: AddressSlots): Promise<void> {
  const served = gate('served');
  const run = slots.run('192.0.2.1', served.work, said);
  served.open();
  await run;
}
const said = (answer: AddressAnswer) => answer;

describe('AddressSlots', () => {
  it('lets at most the limit run at one address, others at other addresses meanwhile, and counts how many were there at once', async () => {
    const slots = new AddressSlots(2);
    const gates = [gate(), gate(), gate(), gate()];
    const turns = gates.slice(0, 3).map((g) => slots.run('192.0.2.1', g.work, said));
    const elsewhere = slots.run('192.0.2.2', gates[3]!.work, said);
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, false, true]);
    gates[0]!.open();
    await tick();
    expect(gates[2]!.started).toBe(true);
    gates[1]!.open();
    gates[2]!.open();
    gates[3]!.open();
    expect((await Promise.all(turns)).map((t) => t.atOnce)).toEqual([2, 2, 2]);
    expect((await elsewhere).atOnce).toBe(1);
  });

  it('a crowded failure halves the limit once per wave: a later failure of the same wave cuts nothing more', async () => {
    const slots = new AddressSlots(8);
    const first = gate();
    const turn = slots.run('192.0.2.1', first.work, said);
    first.open();
    const { wave } = await turn;
    slots.crowded('192.0.2.1', wave, 8);
    slots.crowded('192.0.2.1', wave, 8);
    const gates = Array.from({ length: 6 }, () => gate());
    const runs = gates.map((g) => slots.run('192.0.2.1', g.work, said));
    await tick();
    expect(gates.filter((g) => g.started)).toHaveLength(4);
    for (const g of gates) g.open();
    const turns = await Promise.all(runs);
    expect(turns.map((t) => t.wave)).toEqual([1, 1, 1, 1, 1, 1]);
    slots.crowded('192.0.2.1', 1, 4);
    const one = gate();
    const two = gate();
    const after = [slots.run('192.0.2.1', one.work, said), slots.run('192.0.2.1', two.work, said)];
    await tick();
    expect([one.started, two.started]).toEqual([true, true]);
    one.open();
    two.open();
    await Promise.all(after);
  });

  it('the limit never falls below one', async () => {
    const slots = new AddressSlots(2);
    slots.crowded('192.0.2.1', 0, 2);
    slots.crowded('192.0.2.1', 1, 1);
    const g = gate();
    const turn = slots.run('192.0.2.1', g.work, said);
    await tick();
    expect(g.started).toBe(true);
    g.open();
    expect((await turn).atOnce).toBe(1);
  });

  it('one asked alone waits for those in flight, and none starts beside it; those behind it wait their turn', async () => {
    const slots = new AddressSlots(4);
    const [a, b, alone, c] = [gate(), gate(), gate(), gate()];
    const runs = [slots.run('192.0.2.1', a.work, said), slots.run('192.0.2.1', b.work, said)];
    const aloneTurn = slots.run('192.0.2.1', alone.work, said, true);
    const after = slots.run('192.0.2.1', c.work, said);
    await tick();
    expect([a.started, b.started, alone.started, c.started]).toEqual([true, true, false, false]);
    a.open();
    await tick();
    expect(alone.started).toBe(false);
    b.open();
    await tick();
    expect([alone.started, c.started]).toEqual([true, false]);
    alone.open();
    expect((await aloneTurn).atOnce).toBe(1);
    await tick();
    expect(c.started).toBe(true);
    c.open();
    await Promise.all([...runs, after]);
  });

  it('serves: true once a fetch there was served, false once none is in flight and none was', async () => {
    const slots = new AddressSlots(4);
    const [failing, served] = [gate('failed'), gate('served')];
    const runs = [slots.run('192.0.2.1', failing.work, said), slots.run('192.0.2.1', served.work, said)];
    failing.open();
    const first = await runs[0]!;
    slots.crowded('192.0.2.1', first.wave, first.atOnce);
    let heard: boolean | null = null;
    const verdict = slots.serves('192.0.2.1').then((v) => (heard = v));
    await tick();
    expect(heard).toBeNull();
    served.open();
    await verdict;
    expect(heard).toBe(true);

    const down = new AddressSlots(4);
    const [x, y] = [gate('failed'), gate('failed')];
    const downRuns = [down.run('192.0.2.9', x.work, said), down.run('192.0.2.9', y.work, said)];
    x.open();
    const crowded = await downRuns[0]!;
    down.crowded('192.0.2.9', crowded.wave, crowded.atOnce);
    const downVerdict = down.serves('192.0.2.9');
    y.open();
    expect(await downVerdict).toBe(false);
  });

  it('lastServed: what the last served fetch there gave to keep (its `again`); null when nothing was served', async () => {
    const slots = new AddressSlots(4);
    const other = gate('failed');
    const crowd = [slots.run('192.0.2.1', async () => 'served' as const, said, false, async () => 'the page'), slots.run('192.0.2.1', other.work, said)];
    const served = await crowd[0]!;
    slots.crowded('192.0.2.1', served.wave, 2);
    other.open();
    await crowd[1];
    expect(await slots.lastServed<string>('192.0.2.1')!()).toBe('the page');
    expect(new AddressSlots(4).lastServed('192.0.2.1')).toBeNull();
  });

  /** Five silent fetches at a limit of two: once the first has waited its whole time, the other three start at once. */
  async function liftedBySilence(slots: AddressSlots): Promise<Array<AddressTurn<AddressAnswer>>> {
    const gates = [gate('silent'), gate('silent'), gate('silent'), gate('silent'), gate('silent')];
    const runs = gates.map((g) => slots.run('192.0.2.1', g.work, said));
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, false, false, false]);
    gates[0]!.open();
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, true, true, true]);
    for (const g of gates) g.open();
    return Promise.all(runs);
  }

  /** Three silent fetches at a limit of two all start at once: the address has no limit. */
  async function threeStartAtOnce(slots: AddressSlots): Promise<void> {
    const gates = [gate('silent'), gate('silent'), gate('silent')];
    const runs = gates.map((g) => slots.run('192.0.2.1', g.work, said));
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, true]);
    for (const g of gates) g.open();
    await Promise.all(runs);
  }

  it('a server that served nothing and let a fetch wait its whole time gets no limit: those queued there start at once', async () => {
    const slots = new AddressSlots(2);
    expect((await liftedBySilence(slots)).map((t) => t.atOnce)).toEqual([2, 4, 4, 4, 4]);
    // Kept once idle: a later fetch there is not held to the first limit again.
    await threeStartAtOnce(slots);
  });

  it('control: a silent fetch where the server has served some keeps the limit (a limit that drops the ones over it)', async () => {
    const slots = new AddressSlots(2);
    const [a, b, c, d, e] = [gate('served'), gate('silent'), gate('served'), gate('served'), gate('served')];
    const runs = [a, b, c, d, e].map((g) => slots.run('192.0.2.1', g.work, said));
    a.open();
    await tick();
    expect([c.started, d.started]).toEqual([true, false]);
    b.open();
    await tick();
    expect([d.started, e.started]).toEqual([true, false]);
    for (const g of [c, d, e]) g.open();
    await Promise.all(runs);
  });

  it('control: a fetch that failed with an answer (refused, an error page) lifts nothing', async () => {
    const slots = new AddressSlots(1);
    const [a, b] = [gate('failed'), gate('failed')];
    const runs = [slots.run('192.0.2.1', a.work, said), slots.run('192.0.2.1', b.work, said)];
    const c = gate('failed');
    const third = slots.run('192.0.2.1', c.work, said);
    a.open();
    await tick();
    expect([b.started, c.started]).toEqual([true, false]);
    b.open();
    c.open();
    await Promise.all([...runs, third]);
  });

  it('serves since a time: one served while a fetch waited counts for it; one served only before it began does not', async () => {
    const slots = new AddressSlots(4);
    const [waiting, served] = [gate('failed'), gate('served')];
    const runs = [slots.run('192.0.2.1', waiting.work, said), slots.run('192.0.2.1', served.work, said)];
    await tick();
    served.open();
    await runs[1];
    waiting.open();
    const failed = await runs[0]!;
    slots.crowded('192.0.2.1', failed.wave, failed.atOnce);
    expect(await slots.serves('192.0.2.1', failed.startedAt)).toBe(true);

    // Begun after that serve; nothing served since, and nothing left in flight: false.
    const [late, other] = [gate('failed'), gate('failed')];
    const lateRuns = [slots.run('192.0.2.1', late.work, said), slots.run('192.0.2.1', other.work, said)];
    late.open();
    const turn = await lateRuns[0]!;
    let heard: boolean | null = null;
    const verdict = slots.serves('192.0.2.1', turn.startedAt).then((v) => (heard = v));
    await tick();
    expect(heard).toBeNull();
    other.open();
    await verdict;
    expect(heard).toBe(false);
    expect(await slots.serves('192.0.2.1')).toBe(true);
  });

  it('a limit lifted at a server that answered nothing is not cut again by a crowded failure there', async () => {
    const slots = new AddressSlots(2);
    const first = gate('silent');
    const turn = slots.run('192.0.2.1', first.work, said);
    first.open();
    const { wave } = await turn;
    slots.crowded('192.0.2.1', wave, 2);
    const gates = Array.from({ length: 5 }, () => gate('silent'));
    const runs = gates.map((g) => slots.run('192.0.2.1', g.work, said));
    await tick();
    expect(gates.every((g) => g.started)).toBe(true);
    for (const g of gates) g.open();
    await Promise.all(runs);
  });
  it('one asked alone that got no answer after the server served: it stopped answering — serves() says no, the asks alone queued behind skip their wait, no limit', async () => {
    const slots = new AddressSlots(2);
    await servedOnce(slots);
    expect(slots.stoppedAnswering('192.0.2.1')).toBe(false);
    // Then a fetch asked alone there times out (silent).
    const alone = gate('silent');
    const asked = slots.run('192.0.2.1', alone.work, said, true);
    await tick();
    alone.open();
    await asked;
    expect(slots.stoppedAnswering('192.0.2.1')).toBe(true);
    expect(await slots.serves('192.0.2.1')).toBe(false);
    // Those queued there now start at once, not two at a time a whole wait each.
    await threeStartAtOnce(slots);
    // Served again (a server back after a moment): it answers, and serves() says so.
    const back = gate('served');
    const served = slots.run('192.0.2.1', back.work, said);
    back.open();
    await served;
    expect(slots.stoppedAnswering('192.0.2.1')).toBe(false);
    expect(await slots.serves('192.0.2.1')).toBe(true);
  });

  it('control: a fetch not asked alone that got no answer after the server served says nothing of the sort', async () => {
    const slots = new AddressSlots(2);
    const [a, b] = [gate('served'), gate('silent')];
    const runs = [slots.run('192.0.2.1', a.work, said), slots.run('192.0.2.1', b.work, said)];
    a.open();
    await tick();
    b.open();
    await Promise.all(runs);
    expect(slots.stoppedAnswering('192.0.2.1')).toBe(false);
  });
  it('a server that served, then let a fetch begun after wait its whole time with none served meanwhile (gone dark): no limit', async () => {
    const slots = new AddressSlots(2);
    await servedOnce(slots);
    // Before: the limit held (and crowded() halved it wave by wave): one whole wait after another.
    await liftedBySilence(slots);
  });
});
