// This run's fetches at each server address: at most a few at once. A client "ought to limit the number of
// simultaneous open connections that it maintains to a given server" (RFC 9112 §9.4; browsers open six, this probe eight unless told), and a server
// shared by many sites of one list — a company's ingress, a shared-hosting box — often limits each client's
// connections (nginx limit_conn, a firewall's connlimit, a small pool of workers): fetching forty of its sites at once
// made this run's own load read as forty sites down. The limit is keyed by address, not by site host: many hosts,
// one server.
//
// A server that still failed a fetch while this run had others in flight there gets fewer at once from then on (the
// limit halved, once per wave: the failures of fetches started before a cut say nothing of the cut), and such a fetch
// is asked again alone (no other fetch of this run at that address meanwhile), which is the measurement of the site
// the crowd spoilt. A server that let a fetch wait its whole time (a timeout before any answer: a blackholed address,
// a server hung, one gone dark mid-run) and served none of this run's fetches meanwhile is refusing no crowd: its
// limit is lifted, or a hundred sites there would wait eight at a time, one whole timeout after another, past the
// run's deadline (measured at a server dropped after serving eight: the limit halved wave by wave down to one, and
// forty sites took the whole 40 s deadline, the last cut by it). Bookkeeping is
// kept only for an address with fetches in flight or waiting, whose limit was changed, or where one failed among others.

/**
 * What the server at the address did with a fetch: served it, failed it, or let it wait its whole time without an
 * answer (silent; the run's own end is not the server's silence).
 */
export type AddressAnswer = 'served' | 'failed' | 'silent';

export interface AddressTurn<T> {
  result: T;
  /** The most of this run's fetches in flight at the address at once while this one ran, itself included. */
  atOnce: number;
  /** The address's wave when it started: a failure of an earlier wave than the current one cuts nothing more. */
  wave: number;
  /** When it started there (performance.now()): whether the server served some fetch since is asked of `serves`. */
  startedAt: number;
}

interface Waiter {
  alone: boolean;
  start: () => void;
  next: Waiter | null;
}

interface AddressState {
  limit: number;
  active: number;
  /** An alone fetch is running: no other starts until it ends. */
  aloneRunning: boolean;
  wave: number;
  /** When a fetch here was last served (its status passed; performance.now()); -Infinity while none was. */
  servedAt: number;
  /** When a fetch asked alone here last got no answer (performance.now()); -Infinity while none did. */
  silentAloneAt: number;
  /** Each running fetch's largest count of fetches at once seen while it ran. */
  running: Set<{ atOnce: number }>;
  first: Waiter | null;
  last: Waiter | null;
  /** Told when the address serves a fetch, or has none in flight. */
  listeners: Set<() => void>;
  /**
   * A fetch failed here while others were here: what the address served, and when, is kept for the crowded(),
   * serves() and lastServed() that may follow (the failure may be the last fetch to leave).
   */
  held: boolean;
  /** The last fetch served here, to fetch again as a control; kept while the address is. */
  lastServed: (() => Promise<unknown>) | null;
}

/** A fetch asked alone there got no answer after the last one served there. */
const silentSinceServed = (state: AddressState) => state.silentAloneAt > state.servedAt;

export class AddressSlots {
  private readonly states = new Map<string, AddressState>();

  constructor(private readonly perAddress: number) {}

  /**
   * Run `work` within the address's limit (or alone there), counting how many fetches were there at once; `answer`
   * says what the server did with its result, told before its slot is given up (one waiting to hear whether the
   * address serves must not hear "idle, nothing served" first; those queued behind a silent server start at once).
   * `again`, when its result was served, is kept as the address's last served fetch (lastServed).
   */
  async run<T>(address: string, work: () => Promise<T>, answer: (result: T) => AddressAnswer, alone = false, again: () => Promise<unknown> = work): Promise<AddressTurn<T>> {
    const state = this.stateOf(address);
    if (!this.mayStart(state, alone) || state.first !== null) await this.queue(state, alone);
    else this.enter(state, alone);
    const wave = state.wave;
    const startedAt = performance.now();
    const seen = { atOnce: state.active };
    for (const other of state.running) other.atOnce = Math.max(other.atOnce, state.active);
    state.running.add(seen);
    try {
      const result = await work();
      const answered = answer(result);
      if (answered === 'served') {
        state.lastServed = again;
        state.servedAt = performance.now();
        if (state.listeners.size > 0) this.tell(state);
      } else {
        if (seen.atOnce >= 2) state.held = true;
        // No answer, and none served there meanwhile: no crowd is refused there, and those queued start at once
        // rather than a whole wait at a time.
        if (answered === 'silent' && state.servedAt < startedAt) state.limit = Infinity;
        if (answered === 'silent' && alone) state.silentAloneAt = performance.now();
      }
      return { result, atOnce: seen.atOnce, wave, startedAt };
    } finally {
      state.running.delete(seen);
      this.leave(address, state, alone);
    }
  }

  /**
   * A fetch of `wave` failed while `atOnce` were at the address: fewer at once from now on, once per wave. A limit
   * lifted at a server that answered nothing stays lifted: its failures are not a crowd's.
   */
  crowded(address: string, wave: number, atOnce: number): void {
    const state = this.stateOf(address);
    if (wave !== state.wave) return;
    if (state.limit !== Infinity) state.limit = Math.max(1, Math.floor(Math.min(state.limit, atOnce) / 2));
    state.wave += 1;
  }

  /**
   * Whether the server at `address` serves this run: true once it has served a fetch since `since` (a turn's
   * startedAt: a server that served others while that fetch waited accepts this client; one that served only before
   * it began may have failed since), false once it has none in flight (nor waiting) without that. Asked after a
   * crowded failure, whose `crowded` keeps the state.
   */
  serves(address: string, since = -Infinity): Promise<boolean> {
    const state = this.states.get(address);
    if (!state) return Promise.resolve(false);
    const servedSince = () => state.servedAt > since && !silentSinceServed(state);
    if (servedSince() || this.idle(state)) return Promise.resolve(servedSince());
    return new Promise((resolve) => {
      const listen = () => {
        if (!servedSince() && !this.idle(state)) return;
        state.listeners.delete(listen);
        resolve(servedSince());
      };
      state.listeners.add(listen);
    });
  }

  /**
   * Whether a fetch asked alone at `address` got no answer after the last one served there: the server stopped
   * answering (or this client), crowd or not. Asks alone still waiting their turn there are not worth their wait.
   */
  stoppedAnswering(address: string): boolean {
    const state = this.states.get(address);
    return state !== undefined && silentSinceServed(state);
  }

  /**
   * The last fetch this address served (its `again`), to fetch again as a control: the server refusing a page it
   * served a moment ago refuses this client, not that page. Null when none is known (nothing served while the
   * address was kept).
   */
  lastServed<T>(address: string): (() => Promise<T>) | null {
    return (this.states.get(address)?.lastServed as (() => Promise<T>) | null | undefined) ?? null;
  }

  private stateOf(address: string): AddressState {
    let state = this.states.get(address);
    if (!state) {
      state = { limit: this.perAddress, active: 0, aloneRunning: false, wave: 0, servedAt: -Infinity, silentAloneAt: -Infinity, held: false, running: new Set(), first: null, last: null, listeners: new Set(), lastServed: null };
      this.states.set(address, state);
    }
    return state;
  }

  private mayStart(state: AddressState, alone: boolean): boolean {
    return !state.aloneRunning && (alone ? state.active === 0 : state.active < state.limit);
  }

  private enter(state: AddressState, alone: boolean): void {
    state.active += 1;
    if (alone) state.aloneRunning = true;
  }

  private queue(state: AddressState, alone: boolean): Promise<void> {
    return new Promise<void>((start) => {
      const waiter: Waiter = { alone, start, next: null };
      if (state.last) state.last.next = waiter;
      else state.first = waiter;
      state.last = waiter;
    });
  }

  private leave(address: string, state: AddressState, alone: boolean): void {
    state.active -= 1;
    if (alone) state.aloneRunning = false;
    // First come, first served: the head of the line starts when it may, and those behind it wait for it.
    while (state.first && this.mayStart(state, state.first.alone)) {
      const waiter = state.first;
      state.first = waiter.next;
      if (!state.first) state.last = null;
      this.enter(state, waiter.alone);
      waiter.start();
    }
    if (this.idle(state)) this.tell(state);
    // An address at its first limit, idle, awaited by nobody and failing nothing among others, needs nothing kept.
    if (this.idle(state) && state.limit === this.perAddress && state.wave === 0 && !state.held && state.listeners.size === 0) this.states.delete(address);
  }

  private idle(state: AddressState): boolean {
    return state.active === 0 && state.first === null;
  }

  private tell(state: AddressState): void {
    for (const listen of [...state.listeners]) listen();
  }
}
