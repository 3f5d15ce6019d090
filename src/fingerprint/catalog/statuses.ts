// Status lists shared by the catalog's error rules.

function statusRange(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Any 5xx: the catch-all "the origin's own error, passed through" rules use it. */
export const ANY_5XX: number[] = statusRange(500, 599);

/** Any 4xx or 5xx: provider error pages that carry their own code in the body (Cloudflare 1xxx). */
export const ANY_ERROR: number[] = statusRange(400, 599);
