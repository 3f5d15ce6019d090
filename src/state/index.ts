// state/: what persists between runs and the files that hold it: the state file (last verdicts, incidents,
// provider stacks, remembered edge locations), its lock, the comparison of this run with the last
// (new / ongoing / resolved, and the events to notify), and the --append history file. Files are written
// atomically or appended in one write; a damaged file is moved aside, never trusted.
//
// state/ never imports config/, plan/, probe/, classify/, correlate/, status/, lab/ or commands/.

export { acquireLock, type HeldLock, type LockResult } from './lock.js';
export { defaultStateFile, readState, writeStateAtomic, type RunState } from './store.js';
export { compareRuns, isQuietRun } from './transitions.js';
export { rememberLocations, type RememberedLocations } from './locations.js';
export { appendHistory } from './history.js';
