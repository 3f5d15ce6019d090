// Strings that came from the network are untrusted: strip terminal control sequences and
// C0/C1 control characters before they can reach a terminal, a log line or a metric label.

// CSI / OSC / other ESC sequences first (so their parameters do not survive as text), then lone controls.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ANY_CONTROL_BUT_TAB_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Remove escape sequences and control characters; keep tab and newline only when `multiline`. */
export function stripControl(value: string, multiline = false): string {
  // Most text has nothing to strip: one scan instead of three replacements (and the same string back).
  if (!(multiline ? ANY_CONTROL_BUT_TAB_NEWLINE : ANY_CONTROL).test(value)) return value;
  const cleaned = value.replace(ESCAPE_SEQUENCE, '').replace(CONTROL_CHARS, '');
  return multiline ? cleaned : cleaned.replace(/[\t\n]/g, ' ');
}

/** A single-line, control-free string of at most `max` characters (an ellipsis marks a cut). */
export function safeLine(value: string, max = 300): string {
  const line = stripControl(value);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** "a, b, c", or the first `max` of them and "+N more". */
export function listNames(names: string[], max = 6): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} +${formatCount(names.length - max)} more` : names.join(', ');
}

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "1 site", "3 sites", "184,000 sites". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : nouns}`;
}

/** A share as a whole percentage: "18 %". */
export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** A size in KiB to one decimal: "16.1 KiB". */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * A count as people read it: "184,000". Grouped by hand: the first toLocaleString of a run loads ICU's number
 * formatting, 10 ms of every one-site check.
 */
export function formatCount(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}

/** A location code (PoP, cloud region) that may be shown and used as a metric label: [A-Za-z0-9-], 1 to 16 characters. */
export function validLocationCode(text: string): boolean {
  return text.length > 0 && text.length <= 16 && /^[A-Za-z0-9-]+$/.test(text);
}

/** How much of a location's evidence text is kept. */
export const LOCATION_EVIDENCE_CHARS = 160;
