// status/: --status-pages: whether each provider with an incident acknowledges it on its official status page
// (Statuspage, RSS/Atom, Google's and Heroku's JSON). Context only: it never changes an incident, the verdict or
// the exit code, and it stays within its share of the deadline.
//
// status/ never imports config/, plan/, probe/, classify/, correlate/, report/, state/, notify/, lab/ or commands/.

export { acknowledgeIncidents, type AcknowledgeOptions } from './acknowledge.js';
