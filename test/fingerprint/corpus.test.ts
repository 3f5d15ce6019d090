// Every documented response shape in the lab's corpus, read by the classifier: the provider, layer and
// explanation each must get, and coverage — every rule of every built-in provider's error vocabulary is what
// some entry is read by, with the same source. Adding a provider's error is one rule and one entry.

import { describe, expect, it } from 'vitest';
import { classifyAttempt, respondingProviders, type SiteContext } from '../../src/classify/layer.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { BUILTIN_PROVIDERS, builtinProvider } from '../../src/fingerprint/catalog/index.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { matchErrorRule, matchErrorRuleByMarkers } from '../../src/fingerprint/match.js';
import type { ErrorRule } from '../../src/fingerprint/types.js';
import { CORPUS, type CorpusEntry } from '../../src/lab/corpus/index.js';
import type { EdgeRequest } from '../../src/lab/personalities/types.js';
import type { Attempt } from '../../src/model.js';
import { attempt, fetchResult } from '../support/records.js';

const catalog = loadCatalog([]);

const REQUEST: EdgeRequest = {
  host: 'shop.example.test',
  path: '/',
  method: 'GET',
  userAgent: 'outage-probe/test',
  httpVersion: '1.1',
  edgeIndex: 0,
  pop: null,
  now: new Date('2026-11-22T08:00:00Z'),
};

/** The entry's response, fetched through an edge address and judged by the default expectations (2xx/3xx). */
function fetchedAttempt(entry: CorpusEntry): Attempt {
  const response = entry.respond(REQUEST);
  const fetch = fetchResult({ httpStatus: response.status, headers: response.headers, bodySample: response.body, url: `https://${REQUEST.host}/` });
  const expectResult = evaluateExpect({ status: [], contains: null, matches: null, maxMs: null }, fetch);
  return attempt({ ...fetch, expect: expectResult, outcome: attemptOutcome(fetch, expectResult) });
}

function contextFor(entry: CorpusEntry): SiteContext {
  if (!entry.knownEdge) return { edge: null, origin: null, resolverProviders: {} };
  return { edge: builtinProvider(entry.knownEdge.provider), edgeEvidence: [entry.knownEdge.evidence], origin: null, resolverProviders: {} };
}

/** The vocabulary rule an entry is read by: its provider's, by headers, else by the provider's own markers. */
function ruleOf(entry: CorpusEntry): ErrorRule | null {
  if (!entry.provider) return null;
  const a = fetchedAttempt(entry);
  const p = builtinProvider(entry.provider);
  const byHeaders = respondingProviders(a, catalog).some((r) => r.id === p.id);
  return byHeaders ? matchErrorRule(p, a.httpStatus, a.headers, a.bodySample) : matchErrorRuleByMarkers(p, a.httpStatus, a.headers, a.bodySample);
}

describe('the corpus of documented response shapes', () => {
  it('has unique ids named after their provider, each citing an https source', () => {
    const ids = CORPUS.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of CORPUS) {
      expect(e.id.split('/')[0], e.id).toBe(e.provider ?? 'none');
      expect(e.source, e.id).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}\//);
    }
  });

  it.each(CORPUS.map((e) => [e.id, e] as const))('%s: classified as documented', (_id, entry) => {
    const reading = classifyAttempt(fetchedAttempt(entry), contextFor(entry), catalog);
    expect({ outcome: reading.outcome, layer: reading.layer, provider: reading.provider }).toEqual({
      outcome: entry.expect.outcome,
      layer: entry.expect.layer,
      provider: entry.expect.provider,
    });
    if (entry.expect.explains === null) expect(reading.explanation).toBeNull();
    else expect(reading.explanation).toContain(entry.expect.explains);
  });

  it('every rule of every built-in provider is read by at least one entry, which cites the rule\'s own source', () => {
    const covered = new Set<ErrorRule>();
    for (const entry of CORPUS) {
      const rule = ruleOf(entry);
      if (!rule) continue;
      covered.add(rule);
      expect(entry.source, `${entry.id} is read by "${rule.says}"`).toBe(rule.source);
    }
    const missing = BUILTIN_PROVIDERS.flatMap((p) => p.errors.filter((r) => !covered.has(r)).map((r) => `${p.id}: ${r.says}`));
    expect(missing).toEqual([]);
  });

  it('has healthy pages and routine challenges, which are not failures of any provider', () => {
    const healthy = CORPUS.filter((e) => e.expect.outcome === 'ok');
    expect(healthy.length).toBeGreaterThanOrEqual(10);
    const routine = CORPUS.filter((e) => e.provider && ruleOf(e)?.challenge === 'routine');
    expect(routine.map((e) => e.id)).toEqual(expect.arrayContaining(['cloudflare/challenge', 'cloudfront/waf-challenge', 'aws/waf-captcha', 'vercel/firewall-challenge', 'ddos-guard/challenge']));
    const failing = CORPUS.filter((e) => e.provider && ruleOf(e)?.challenge === 'platform-failing');
    expect(failing.map((e) => e.id)).toEqual(['cloudflare/challenge-platform-failing', 'cloudflare/challenge-platform-failing-without-header']);
  });

  it('reads an undocumented reason on a provider\'s synthetic page as unknown at that provider, never its edge', () => {
    const unknown = CORPUS.filter((e) => e.expect.layer === 'unknown');
    expect(unknown.map((e) => e.provider)).toEqual(expect.arrayContaining(['fastly', 'akamai', 'cloudflare', 'vercel', 'google', 'azure-front-door', 'imperva', 'github-pages']));
    for (const e of unknown) expect(classifyAttempt(fetchedAttempt(e), contextFor(e), catalog).provider, e.id).not.toBeNull();
  });
});
