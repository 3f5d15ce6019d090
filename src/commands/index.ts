// commands/: one file per command (check, drill, merge, providers), gluing the stages together; pipeline.ts is
// the one run of config → plan → probe → classify → correlate → report that check and drill share, and cron.ts
// the state, lock, notifications and history around it. cli.ts only declares commands and flags.
//
// commands/ may import every folder; no other folder imports commands/ (their headers say so).

export { runCheck, probeAndReport, writeReport } from './check.js';
export { runPipeline } from './pipeline.js';
