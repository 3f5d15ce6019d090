// util/: small helpers every stage may use: text safety (control characters, plurals, location codes), times and
// durations, errors as values, atomic file writes, DNS names, the one HTTP client helper, getaddrinfo in a helper
// process and the servers this host's resolver asks, and the run's Budget.
//
// util/ never imports config/, plan/, probe/, classify/, correlate/, fingerprint/, report/, state/, notify/, status/, merge/, lab/ or commands/.

export { createBudget, type Budget } from './budget.js';
export { agentFor, readCapped, secureContextFor, timedRequest } from './http-client.js';
