// The proxy this process's environment names (HTTPS_PROXY and its kin, as curl and most HTTP clients read them).
// outage-probe connects to each address it resolves and tunnels through a proxy only where probes.yaml lists one: on
// a host whose only way out is that proxy every direct fetch fails, and the local-network verdict names the variable.

/** In the order curl consults them for an https:// URL, then the plain-HTTP ones. */
const VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** "HTTPS_PROXY=http://proxy.corp:3128" (scheme, host and port only: never credentials), or null when none is set. */
export function environmentProxy(env: NodeJS.ProcessEnv): string | null {
  for (const name of VARIABLES) {
    const value = env[name]?.trim();
    if (value) return `${name}=${printableProxy(value)}`;
  }
  return null;
}

function printableProxy(value: string): string {
  try {
    // curl takes a bare host:port as an http:// proxy.
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(set, not a URL)';
  }
}
