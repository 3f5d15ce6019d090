// lab/: a simulated internet on loopback for drills and tests: a CA made at run time, programmable DNS servers,
// HTTPS edges with the providers' real headers and error pages (personalities/), origins, status pages, and
// worlds built from scenario files (scenarios/*.yaml) that write the probes.yaml pointing check at them.
// Nothing in it may send a packet off loopback.
//
// lab/ never imports config/, plan/, classify/, correlate/, report/, state/, notify/, status/, merge/ or commands/; from
// probe/ it reuses only the DNS wire format (to read what real resolvers answer), never a prober.

export { loadScenario, loadScenarios, scenarioNames, type Scenario } from './scenario.js';
export { startWorld, LabStartError, type World } from './world.js';
export { insideNamespace, namespaceSupport, runInNamespace } from './netns.js';
export { startRealDns } from './real-dns.js';
