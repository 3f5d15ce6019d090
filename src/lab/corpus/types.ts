// One documented response shape: what a provider sends for one documented error (or a healthy page, or a
// routine challenge), written here from the provider's documented facts (status, header names, reason
// strings, markers) — never text captured from a real site — with the page the facts come from, and what
// classification must make of it. The lab's personalities serve these shapes; test/fingerprint/corpus.test.ts
// reads every entry through the classifier, and checks that every rule of every provider's error vocabulary
// is exercised by at least one entry. Adding a provider's error is one rule in fingerprint/catalog/ and one
// entry here.

import type { AttemptOutcome, Layer } from '../../model.js';
import type { BuiltinProviderId } from '../../fingerprint/catalog/index.js';
import type { EdgeRequest, LabResponse } from '../personalities/types.js';

export interface CorpusEntry {
  /** "<provider>/<what>", e.g. "fastly/no-healthy-backends"; unique. */
  id: string;
  /** The catalog provider whose vocabulary the entry exercises; null for a page no provider made. */
  provider: BuiltinProviderId | null;
  /** The documentation (or, where a provider documents nothing, the public source) the page is written from. */
  source: string;
  /** The response for one request (host, path, time and point of presence come from the request). */
  respond(req: EdgeRequest): LabResponse;
  /**
   * The site is known to sit behind this provider from its DNS, though the response may lack its headers:
   * `evidence` is worded as the site's stack words it ("CNAME shop.example.test.edgekey.net").
   */
  knownEdge?: { provider: BuiltinProviderId; evidence: string };
  expect: {
    outcome: AttemptOutcome;
    layer: Layer | null;
    /** Display name of the provider the attempt is placed at, or null. */
    provider: string | null;
    /** A fragment the explanation contains; null: no explanation (a healthy page). */
    explains: string | null;
  };
}
