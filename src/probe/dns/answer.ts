// How a run keeps a DNS answer. Every answer is kept to the run's end (the report carries them), six or more a site,
// and most say what many others say: each resolver's NODATA for a name's AAAA records, every name's NODATA for NS
// below its zone's apex, the same addresses from every resolver. What a reply said is kept once for all equal
// replies; only which name was asked, when and for how long are an answer's own (the duration in tenths of a
// millisecond: an integer needs no box of its own, a fraction takes 16 B more), and who was asked (the resolver's
// name and address) is kept once a resolver.
//
// A kept answer reads as any DnsAnswer, and JSON.stringify writes the documented fields in their order (toJSON).
// Spread syntax and Object.keys see only its own fields (name, startedAt): nothing in the run copies an answer, and
// nothing should; build a new one.

import type { DnsAnswer, DnsOutcome, DnsRecord, DnsType, ExtendedDnsError, ProbeError, ResolverKind } from '../../model.js';
import { recentValues } from '../../util/recent.js';
import { replyError } from './wire.js';

/** What a reply said: every field of an answer but its resolver, name, server, start and duration. */
export type AnswerSaid = Omit<DnsAnswer, 'resolver' | 'name' | 'server' | 'startedAt' | 'durationMs'>;

interface Said extends AnswerSaid {
  /** The error is the reply's standard one for the answer's own name (NODATA for it, its rcode): made when read. */
  errorOfName: boolean;
}

class KeptAnswer implements DnsAnswer {
  readonly #asked: AskedOf;
  readonly #said: Said;
  readonly #durationTenthsMs: number;

  constructor(
    asked: AskedOf,
    readonly name: string,
    said: Said,
    readonly startedAt: string,
    durationTenthsMs: number,
  ) {
    this.#asked = asked;
    this.#said = said;
    this.#durationTenthsMs = durationTenthsMs;
  }

  get resolver(): string {
    return this.#asked.resolver;
  }
  get server(): string {
    return this.#asked.server;
  }

  get durationMs(): number {
    return this.#durationTenthsMs / 10;
  }

  get type(): DnsType {
    return this.#said.type;
  }
  get outcome(): DnsOutcome {
    return this.#said.outcome;
  }
  get rcode(): string | null {
    return this.#said.rcode;
  }
  get answers(): DnsRecord[] {
    return this.#said.answers;
  }
  get cnameChain(): string[] {
    return this.#said.cnameChain;
  }
  get values(): string[] {
    return this.#said.values;
  }
  get zone(): string | null {
    return this.#said.zone;
  }
  get ede(): ExtendedDnsError[] {
    return this.#said.ede;
  }
  get authenticated(): boolean | null {
    return this.#said.authenticated;
  }
  get transport(): ResolverKind {
    return this.#said.transport;
  }
  get error(): ProbeError | null {
    const said = this.#said;
    return said.errorOfName ? replyError(said.outcome, said.rcode!, this.name, said.type, said.ede) : said.error;
  }

  /** The answer as the report documents it (schema/report.schema.json), fields in order. */
  toJSON(): DnsAnswer {
    return {
      resolver: this.resolver,
      name: this.name,
      type: this.type,
      outcome: this.outcome,
      rcode: this.rcode,
      answers: this.answers,
      cnameChain: this.cnameChain,
      values: this.values,
      zone: this.zone,
      ede: this.ede,
      authenticated: this.authenticated,
      server: this.server,
      transport: this.transport,
      startedAt: this.startedAt,
      durationMs: this.durationMs,
      error: this.error,
    };
  }
}

export interface Asked {
  resolver: string;
  /** Normalized, as every reported name is. */
  name: string;
  server: string;
  startedAt: string;
  /** Tenths of a millisecond (elapsedTenthsMs): a small integer, kept unboxed; `durationMs` reads it / 10. */
  durationTenthsMs: number;
}

/** The answer to `asked`, its reply's part kept once for every equal one. */
export function keptAnswer(asked: Asked, said: AnswerSaid): DnsAnswer {
  return new KeptAnswer(askedOf(asked.resolver, asked.server), asked.name, sharedSaid(asked.name, said), asked.startedAt, asked.durationTenthsMs);
}

/** Who an answer came from: a resolver by its name and the address asked, the same for all its answers. */
interface AskedOf {
  readonly resolver: string;
  readonly server: string;
}

// By resolver name (a run has a handful): found without making a key string an answer.
const askedOfs = new Map<string, AskedOf>();

function askedOf(resolver: string, server: string): AskedOf {
  const known = askedOfs.get(resolver);
  if (known !== undefined && known.server === server) return known;
  const made: AskedOf = Object.freeze({ resolver, server });
  // Bounded: a resolver asked at another address replaces its entry; new names stop being remembered at 64.
  if (known !== undefined || askedOfs.size < 64) askedOfs.set(resolver, made);
  return made;
}

// Replies that name nothing (no records, no chain, no addresses, and no error or one standard for any name) are alike
// across names: found by what they said. Others are alike across resolvers for one question: the latest reply to each
// (name, type) is remembered while recent (found by the name, the string the query already holds), and each part of a
// reply equal to that one's is kept as that one's: another resolver's TTLs may differ while its addresses do not.
const saidByWords = recentValues<Said>(256);
const latestSaid = recentValues<{ said: Said | null }>(4096);

function sharedSaid(name: string, said: AnswerSaid): Said {
  const errorOfName = said.error !== null && said.rcode !== null && isStandardError(said, name);
  if (said.answers.length === 0 && said.cnameChain.length === 0 && said.values.length === 0) {
    const error = errorOfName ? '' : said.error === null ? '-' : `${said.error.code}\u0000${said.error.message}`;
    const ede = said.ede.length === 0 ? '' : JSON.stringify(said.ede);
    const words = [said.type, said.outcome, said.rcode, said.zone, said.authenticated, said.transport, ede, error].join('\u0000');
    return saidByWords.get(words, () => keptSaid(said, said, errorOfName));
  }
  const slot = latestSaid.get(`${name}\u0000${said.type}`, () => ({ said: null }));
  const before = slot.said;
  const parts: ReplyParts = {
    answers: before && sameList(before.answers, said.answers, sameRecord) ? before.answers : frozen(said.answers),
    cnameChain: before && sameList(before.cnameChain, said.cnameChain, Object.is) ? before.cnameChain : frozen(said.cnameChain),
    values: before && sameList(before.values, said.values, Object.is) ? before.values : frozen(said.values),
    error: errorOfName ? null : before?.error && said.error && sameError(before.error, said.error) ? before.error : said.error,
  };
  if (before && sameSaid(before, said, parts, errorOfName)) return before;
  return (slot.said = keptSaid(said, parts, errorOfName));
}

/** The parts of a reply kept as an equal earlier reply's. */
type ReplyParts = Pick<AnswerSaid, 'answers' | 'cnameChain' | 'values' | 'error'>;

function isStandardError(said: AnswerSaid, name: string): boolean {
  const standard = replyError(said.outcome, said.rcode!, name, said.type, said.ede);
  return standard !== null && sameError(standard, said.error!);
}

function sameError(a: ProbeError, b: ProbeError): boolean {
  return a.code === b.code && a.message === b.message;
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
}

function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  return a.name === b.name && a.type === b.type && a.ttl === b.ttl && a.data === b.data;
}

/** Shared lists are frozen: a change to one would change every answer that holds it. */
function frozen<T>(list: T[]): T[] {
  return list.length === 0 ? list : (Object.freeze(list) as T[]);
}

// Written out field by field: copied with spread syntax and a field added, each of these objects got a map and a
// descriptor array of its own in V8 (~300 B or more each, seen in a heap snapshot), more than the sharing saves.
function keptSaid(said: AnswerSaid, parts: ReplyParts, errorOfName: boolean): Said {
  return {
    type: said.type,
    outcome: said.outcome,
    rcode: said.rcode,
    answers: parts.answers,
    cnameChain: parts.cnameChain,
    values: parts.values,
    zone: said.zone,
    ede: said.ede,
    authenticated: said.authenticated,
    transport: said.transport,
    error: errorOfName ? null : parts.error,
    errorOfName,
  };
}

function sameSaid(a: Said, said: AnswerSaid, parts: ReplyParts, errorOfName: boolean): boolean {
  return (
    a.type === said.type &&
    a.outcome === said.outcome &&
    a.rcode === said.rcode &&
    a.answers === parts.answers &&
    a.cnameChain === parts.cnameChain &&
    a.values === parts.values &&
    a.zone === said.zone &&
    a.ede === said.ede &&
    a.authenticated === said.authenticated &&
    a.transport === said.transport &&
    a.errorOfName === errorOfName &&
    a.error === parts.error
  );
}
