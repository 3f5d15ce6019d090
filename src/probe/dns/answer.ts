// How a run keeps a DNS answer. Every answer is kept to the run's end (the report carries them), six or more a site,
// and most say what many others say: each resolver's NODATA for a name's AAAA records, every name's NODATA for NS
// below its zone's apex, the same addresses from every resolver. What a reply said is kept once for all equal
// replies; only who was asked, for which name, by whom it was answered, when and for how long are an answer's own
// (the duration in tenths of a millisecond: an integer needs no box of its own, a fraction takes 16 B more).
//
// A kept answer reads as any DnsAnswer, and JSON.stringify writes the documented fields in their order (toJSON).
// Spread syntax and Object.keys see only its own fields (resolver, name, server, startedAt): nothing in the run copies
// an answer, and nothing should; build a new one.

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
  readonly #said: Said;
  readonly #durationTenthsMs: number;

  constructor(
    readonly resolver: string,
    readonly name: string,
    said: Said,
    readonly server: string,
    readonly startedAt: string,
    durationTenthsMs: number,
  ) {
    this.#said = said;
    this.#durationTenthsMs = durationTenthsMs;
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
  return new KeptAnswer(asked.resolver, asked.name, sharedSaid(asked.name, said), asked.server, asked.startedAt, asked.durationTenthsMs);
}

// Replies that name nothing (no records, no chain, no addresses, and no error or one standard for any name) are alike
// across names: found by what they said. Others are alike across resolvers for one question: the latest reply to each
// (name, type) is remembered while recent, and an equal one keeps it. The reply's lists are shared already (wire.ts).
const saidByWords = recentValues<Said>(256);
const latestSaid = recentValues<{ said: Said | null }>(4096);

function sharedSaid(name: string, said: AnswerSaid): Said {
  const ofName = said.error !== null && said.rcode !== null && isStandardError(said, name);
  if (said.answers.length === 0 && said.cnameChain.length === 0 && said.values.length === 0) {
    const error = ofName ? '' : said.error === null ? '-' : `${said.error.code}\u0000${said.error.message}`;
    const ede = said.ede.length === 0 ? '' : JSON.stringify(said.ede);
    const words = [said.type, said.outcome, said.rcode, said.zone, said.authenticated, said.transport, ede, error].join('\u0000');
    return saidByWords.get(words, () => keptSaid(said, ofName));
  }
  const slot = latestSaid.get(`${name}\u0000${said.type}`, () => ({ said: null }));
  if (slot.said && sameSaid(slot.said, said, ofName)) return slot.said;
  return (slot.said = keptSaid(said, ofName));
}

function isStandardError(said: AnswerSaid, name: string): boolean {
  const standard = replyError(said.outcome, said.rcode!, name, said.type, said.ede);
  return standard !== null && standard.code === said.error!.code && standard.message === said.error!.message;
}

// Written out field by field: copied with spread syntax and a field added, each of these objects got a map and a
// descriptor array of its own in V8 (~300 B or more each, seen in a heap snapshot), more than the sharing saves.
function keptSaid(said: AnswerSaid, errorOfName: boolean): Said {
  return {
    type: said.type,
    outcome: said.outcome,
    rcode: said.rcode,
    answers: said.answers,
    cnameChain: said.cnameChain,
    values: said.values,
    zone: said.zone,
    ede: said.ede,
    authenticated: said.authenticated,
    transport: said.transport,
    error: errorOfName ? null : said.error,
    errorOfName,
  };
}

function sameSaid(a: Said, b: AnswerSaid, errorOfName: boolean): boolean {
  return (
    a.type === b.type &&
    a.outcome === b.outcome &&
    a.rcode === b.rcode &&
    a.answers === b.answers &&
    a.cnameChain === b.cnameChain &&
    a.values === b.values &&
    a.zone === b.zone &&
    a.ede === b.ede &&
    a.authenticated === b.authenticated &&
    a.transport === b.transport &&
    a.errorOfName === errorOfName &&
    (errorOfName || a.error === b.error)
  );
}
