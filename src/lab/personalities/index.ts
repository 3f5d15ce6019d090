// The providers the lab can put in front of a site, by catalog id. Adding one is adding a file here.

import { akamai } from './akamai.js';
import { cloudflare } from './cloudflare.js';
import { cloudfront } from './cloudfront.js';
import { elb } from './elb.js';
import { fastly } from './fastly.js';
import type { EdgePersonality } from './types.js';

// The order gives each its lab network (127.0.<10 + place>.x): append, never reorder.
export const PERSONALITIES: readonly EdgePersonality[] = [cloudflare, fastly, akamai, cloudfront, elb];

export function personality(id: string): EdgePersonality | null {
  return PERSONALITIES.find((p) => p.id === id) ?? null;
}

export type { EdgePersonality, EdgeRequest, LabResponse, OriginTrouble } from './types.js';
