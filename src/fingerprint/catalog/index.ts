// The built-in provider catalog. Order matters where stacks are common: edge CDNs and WAFs come
// before the hosting platforms they front, so header matches list the outermost proxy first.
// Adding a provider is one file in this folder and one line below; its id joins BuiltinProviderId, so a
// built-in reference to it (a lab personality, a range source) that misspells it fails to compile.

import type { ProviderDef } from '../types.js';
import { akamai } from './akamai.js';
import { aws } from './aws.js';
import { azure, azureFrontDoor } from './azure.js';
import { bunny } from './bunny.js';
import { cloudflare } from './cloudflare.js';
import { cloudfront } from './cloudfront.js';
import { ddosGuard } from './ddos-guard.js';
import { dnsHosts } from './dns-hosts.js';
import { fastly } from './fastly.js';
import { fly } from './fly.js';
import { gcore } from './gcore.js';
import { githubPages } from './github-pages.js';
import { google } from './google.js';
import { heroku } from './heroku.js';
import { imperva } from './imperva.js';
import { netlify } from './netlify.js';
import { sucuri } from './sucuri.js';
import { vercel } from './vercel.js';

export const BUILTIN_PROVIDERS = [
  cloudflare,
  akamai,
  fastly,
  cloudfront,
  azureFrontDoor,
  imperva,
  sucuri,
  ddosGuard,
  bunny,
  gcore,
  google,
  vercel,
  netlify,
  githubPages,
  fly,
  heroku,
  aws,
  azure,
  ...dnsHosts,
];

/** The id of a built-in provider: a union of literals, checked at build time ("cloudflare" | "akamai" | …). */
export type BuiltinProviderId = (typeof BUILTIN_PROVIDERS)[number]['id'];

export function builtinProvider(id: BuiltinProviderId): ProviderDef {
  return BUILTIN_PROVIDERS.find((p) => p.id === id)!;
}
