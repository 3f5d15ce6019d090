// Parsers for the values a config holds, as plain text → value | null. Messages are worded by the caller.

import { X509Certificate } from 'node:crypto';
import { parseDuration } from '../util/time.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;

export const PATH_NAMES = ['edge', 'ipv4', 'ipv6', 'origin'] as const;
export type PathName = (typeof PATH_NAMES)[number];

/**
 * The longest duration any setting takes (timeouts, deadline, intervals, maxMs): a day. Node's timers hold at most
 * 2^31-1 ms (about 24.8 days) and fire at once beyond it, which would make a healthy world read as timeouts.
 */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;
export const MAX_DURATION_TEXT = '24h';
/** The largest probes.yaml read (a 100,000-site config is about 8 MB); larger is refused unread. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** The largest CA bundle (tls.ca) read; the system's whole bundle is about 0.2 MB. */
export const MAX_CA_BYTES = 4 * 1024 * 1024;
/** Config problems printed at most; the rest are counted in one line. */
export const MAX_REPORTED_PROBLEMS = 100;

/** A positive duration with a unit ("500ms", "1.5s", "2m"); a bare number is refused, it is too easy to misread. */
export function parsePositiveDuration(value: string | number): number | null {
  if (typeof value === 'number') return null;
  if (!/[a-z]\s*$/i.test(value)) return null;
  const ms = parseDuration(value);
  return ms !== null && ms > 0 ? ms : null;
}

const BYTE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1024 * 1024 };

/** 65536, "512B", "64KiB", "1MiB", "1.5KiB", "100KB" → bytes; null when not a byte size. */
export function parseByteSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB)?\s*$/.exec(value);
  if (!m) return null;
  const bytes = Number(m[1]) * BYTE_UNITS[m[2] ?? '']!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** An integer written as a number or as digits in a string; null otherwise. */
export function parseInteger(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  return /^\s*-?\d{1,15}\s*$/.test(value) ? Number(value) : null;
}

/** An absolute http(s) URL with a host, normalised; null otherwise. */
export function parseHttpUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.hostname ? url : null;
}

export type ProxyUrlResult = { url: string } | { error: string };

/** "http://host:port" (an HTTP CONNECT proxy); credentials, paths and other schemes are refused. */
export function parseProxyUrl(text: string): ProxyUrlResult {
  const m = /^http:\/\/(\[[^\]/]+\]|[^/:?#@[\]]+):(\d{1,5})\/?$/i.exec(text.trim());
  if (!m) {
    if (/^\w+:\/\/[^/]*@/.test(text.trim())) return { error: 'credentials in proxy URLs are not supported' };
    return { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' };
  }
  const url = parseHttpUrl(`http://${m[1]}:${m[2]}/`);
  const port = Number(m[2]);
  if (!url || port < 1 || port > 65535) return { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' };
  // Built from the parts: URL would drop an explicit :80, and the port is part of what names the proxy.
  return { url: `http://${url.hostname}:${port}` };
}

/** The problem with a regular expression, or null when it compiles. */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // V8 says "Invalid regular expression: /(/: Unterminated group"; the pattern is printed separately.
    return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The problem with a PEM bundle, or null when it holds at least one certificate and every one parses. */
export function pemBundleProblem(text: string): string | null {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'contains no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate`;
    }
  }
  return null;
}

/** RFC 9110 token characters. */
export function isHeaderName(name: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}

/** No CR, LF, NUL or other controls (tab is allowed): they would split or corrupt the request. */
export function isHeaderValue(value: string): boolean {
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
}
