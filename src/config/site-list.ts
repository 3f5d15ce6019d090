// `--sites FILE`: the sites to probe as a plain list — a hostname or URL a line — or a ranked CSV as public
// top-sites lists publish them (Tranco: "1,example.com" with no header; CrUX: "origin,rank" with a header and
// "https://www.example.com" origins). A hostname becomes https://HOST/. Blank lines and # comments are skipped.
// Every line that holds no hostname or URL is reported at file:line:column, all at once, like a config error.

import { ipFamily } from '../util/ip.js';
import { readRegularFile } from '../util/safe-file.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { fileErrorText } from './validate.js';
import { MAX_CONFIG_BYTES, parseHttpUrl } from './values.js';

const HOSTNAME = /^(?=.{1,253}\.?$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)+\.?$/i;

/** A field that names a site: an http(s) URL, a hostname with a dot, or an IP address. */
function siteOf(field: string): string | null {
  const text = field.trim().replace(/^"(.*)"$/, '$1').trim();
  if (/^https?:\/\//i.test(text)) return parseHttpUrl(text)?.href ?? null;
  if (ipFamily(text)) return `https://${ipFamily(text) === 6 ? `[${text}]` : text}/`;
  if (HOSTNAME.test(text) && !/^\d+(\.\d+)*$/.test(text)) return `https://${text.replace(/\.$/, '').toLowerCase()}/`;
  return null;
}

/** The URLs the list names, in its order, each once. */
export function parseSiteList(text: string, file: string): string[] {
  const urls: string[] = [];
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  let firstEntry = true;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/^\uFEFF/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(',');
    const found = fields.map(siteOf).filter((u): u is string => u !== null);
    const column = line.indexOf(trimmed) + 1;
    if (found.length === 0) {
      // A CSV header ("rank,domain", "origin,rank") names no site: skip it when it comes first.
      if (!(firstEntry && fields.length > 1)) issues.push({ file, line: index + 1, column, path: '--sites', message: `no hostname or http(s) URL in ${JSON.stringify(trimmed.slice(0, 80))}` });
    } else if (found.length > 1) {
      issues.push({ file, line: index + 1, column, path: '--sites', message: `more than one site in ${JSON.stringify(trimmed.slice(0, 80))}: give one a line, or rank,domain` });
    } else if (!seen.has(found[0]!)) {
      seen.add(found[0]!);
      urls.push(found[0]!);
    }
    firstEntry = false;
    if (issues.length > 100) break;
  }
  if (issues.length === 0 && urls.length === 0) issues.push({ file, line: null, column: null, path: '--sites', message: 'the list names no site' });
  if (issues.length > 0) throw new ConfigError(issues, file, 'file');
  return urls;
}

/** Read and parse a site list; an unreadable file is a ConfigError without a position. */
export function loadSiteList(file: string): string[] {
  let text: string;
  try {
    text = readRegularFile(file, MAX_CONFIG_BYTES);
  } catch (err) {
    throw new ConfigError([{ file, line: null, column: null, path: '--sites', message: `cannot read the site list: ${fileErrorText(err)}` }], file, 'file');
  }
  return parseSiteList(text, file);
}
