// The corpus of documented response shapes, every provider's in one list (see types.ts for what an entry is).

import { AKAMAI_CORPUS } from './akamai.js';
import { AWS_CORPUS } from './aws.js';
import { AZURE_CORPUS } from './azure.js';
import { BUNNY_CORPUS } from './bunny.js';
import { CLOUDFLARE_CORPUS } from './cloudflare.js';
import { CLOUDFRONT_CORPUS } from './cloudfront.js';
import { DDOS_GUARD_CORPUS } from './ddos-guard.js';
import { FASTLY_CORPUS } from './fastly.js';
import { FLY_CORPUS } from './fly.js';
import { GCORE_CORPUS } from './gcore.js';
import { GITHUB_PAGES_CORPUS } from './github-pages.js';
import { GOOGLE_CORPUS } from './google.js';
import { HEROKU_CORPUS } from './heroku.js';
import { IMPERVA_CORPUS } from './imperva.js';
import { NETLIFY_CORPUS } from './netlify.js';
import { SUCURI_CORPUS } from './sucuri.js';
import type { CorpusEntry } from './types.js';
import { VERCEL_CORPUS } from './vercel.js';

export const CORPUS: readonly CorpusEntry[] = [
  ...CLOUDFLARE_CORPUS,
  ...AKAMAI_CORPUS,
  ...FASTLY_CORPUS,
  ...CLOUDFRONT_CORPUS,
  ...AZURE_CORPUS,
  ...IMPERVA_CORPUS,
  ...SUCURI_CORPUS,
  ...DDOS_GUARD_CORPUS,
  ...BUNNY_CORPUS,
  ...GCORE_CORPUS,
  ...GOOGLE_CORPUS,
  ...VERCEL_CORPUS,
  ...NETLIFY_CORPUS,
  ...GITHUB_PAGES_CORPUS,
  ...FLY_CORPUS,
  ...HEROKU_CORPUS,
  ...AWS_CORPUS,
];

/** One entry by id; throws for an id no entry has (a typo in a test or a personality is a bug). */
export function corpusEntry(id: string): CorpusEntry {
  const found = CORPUS.find((e) => e.id === id);
  if (!found) throw new Error(`no corpus entry "${id}"`);
  return found;
}

export type { CorpusEntry } from './types.js';
