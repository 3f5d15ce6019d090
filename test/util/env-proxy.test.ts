import { describe, expect, it } from 'vitest';
import { environmentProxy } from '../../src/util/env-proxy.js';

describe('the proxy the environment names', () => {
  it('is HTTPS_PROXY first, printed as scheme, host and port: never its credentials', () => {
    expect(environmentProxy({ HTTPS_PROXY: 'http://alice:s3cret@proxy.corp.example:3128/', HTTP_PROXY: 'http://other:8080' })).toBe('HTTPS_PROXY=http://proxy.corp.example:3128');
  });
  it('takes the lower-case and ALL_PROXY forms, and a bare host:port as curl does', () => {
    expect(environmentProxy({ https_proxy: 'proxy.corp.example:8080' })).toBe('https_proxy=http://proxy.corp.example:8080');
    expect(environmentProxy({ ALL_PROXY: 'socks5://10.0.0.1:1080' })).toBe('ALL_PROXY=socks5://10.0.0.1:1080');
    expect(environmentProxy({ http_proxy: 'http://[fd00::1]:3128' })).toBe('http_proxy=http://[fd00::1]:3128');
  });
  it('is null when none is set (or set empty), and says so without echoing what is not a URL', () => {
    expect(environmentProxy({})).toBeNull();
    expect(environmentProxy({ HTTPS_PROXY: '  ' })).toBeNull();
    expect(environmentProxy({ HTTPS_PROXY: 'http://user:pw@[::1' })).toBe('HTTPS_PROXY=(set, not a URL)');
  });
});
