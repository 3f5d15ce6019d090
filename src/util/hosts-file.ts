// This host's static table of names (hosts(5)): getaddrinfo consults it before DNS on the usual system (nsswitch.conf
// `hosts: files dns`), so a name it lists resolves, for every program here, to the addresses it gives — a pin left
// from a migration test, a staging override, an ad blocker's list. Read once a run, only for the system resolver.
//
// hosts(5): one line per IP address, "IP_address canonical_hostname [aliases...]", fields separated by blanks or
// tabs; text from `#` to the end of the line is a comment. Names are matched without regard to case.

import { canonicalIp, fileAddress } from './ip.js';
import { readTextIfAny } from './safe-file.js';

export const HOSTS_FILE = '/etc/hosts';

/** The addresses each name is given, in file order, names lower-case without a trailing dot. */
export function parseHostsFile(text: string): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [first, ...aliases] = line.replace(/#.*/, '').trim().split(/[ \t]+/);
    const ip = first ? fileAddress(first) : null;
    if (ip === null || aliases.length === 0) continue;
    for (const alias of aliases) {
      const name = alias.toLowerCase().replace(/\.$/, '');
      const list = names.get(name) ?? names.set(name, []).get(name)!;
      if (!list.includes(ip)) list.push(ip);
    }
  }
  return names;
}

let read: Map<string, string[]> | null = null;

/** This host's hosts file as the run found it at its first use (empty when unreadable). */
export function hostsFileNames(): Map<string, string[]> {
  read ??= parseHostsFile(readTextIfAny(HOSTS_FILE) ?? '');
  return read;
}

/**
 * Whether getaddrinfo's answer for `name` is the hosts file's: it lists the name, and every address of the answer is
 * one the file gives it (of the family asked: a name listed for IPv4 only is looked up in DNS for IPv6).
 */
export function fromHostsFile(name: string, values: readonly string[], names: Map<string, string[]> = hostsFileNames()): boolean {
  const pinned = names.get(name.toLowerCase().replace(/\.$/, ''));
  return pinned !== undefined && values.length > 0 && values.every((v) => pinned.includes(canonicalIp(v)));
}
