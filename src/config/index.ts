// config/: probes.yaml (or URLs and --resolver flags) → one typed, validated Config, every problem with
// file:line:column and its key path; defaults are filled here, once. It owns the config's shape, the resolvers'
// syntax and the well-known public resolvers. A long config checked by an earlier run of the same build is read back
// from the per-user cache instead of checked again (cache.ts).
//
// config/ never imports plan/, probe/, classify/, correlate/, report/, state/, notify/, status/, merge/, lab/ or commands/.

export { ConfigError, formatConfigIssue, type ConfigIssue } from './errors.js';
export { configFromArgs, loadConfigFile, parseResolverFlag } from './load.js';
export { RESOLVER_SYNTAX, resolverReport, resolverTarget } from './resolvers.js';
