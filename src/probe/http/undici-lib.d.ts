// The two files of undici a probe loads (src/probe/http/fetch.ts). undici types only its index; these are the
// classes and functions the index re-exports from them.
declare module 'undici/lib/dispatcher/client.js' {
  const Client: typeof import('undici').Client;
  export default Client;
}
declare module 'undici/lib/api/api-request.js' {
  import type { Client, Dispatcher } from 'undici';
  const request: (this: Client, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
  export default request;
}
