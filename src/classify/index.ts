// The classify stage for one site: find who serves each layer, then judge every attempt with that context.

import type { Attempt, DnsAnswer, ResolverSpec, SiteProvider } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { classifyAttempt } from './layer.js';
import { siteStack, type SiteStack } from './stack.js';

export interface ClassifiedSite {
  attempts: Attempt[];
  stack: SiteStack;
}

export function classifySite(
  dns: DnsAnswer[],
  attempts: Attempt[],
  resolvers: ResolverSpec[],
  catalog: Catalog,
  remembered: SiteProvider[] = [],
): ClassifiedSite {
  const before = siteStack(dns, attempts, catalog, remembered);
  const resolverProviders = Object.fromEntries(resolvers.map((r) => [r.name, r.provider]));
  const edgeEvidence = before.providers.find((p) => p.layer === 'edge')?.evidence ?? [];
  const context = { edge: before.edge, edgeEvidence, origin: before.origin, resolverProviders };
  const classified = attempts.map((a) => ({ ...a, ...classifyAttempt(a, context, catalog) }));
  // Classification may reveal a challenge layer; the stack is read again with it.
  return { attempts: classified, stack: siteStack(dns, classified, catalog, remembered) };
}
