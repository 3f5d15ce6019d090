// Whether the run's own end, not a server, ended a fetch or a question: one test for the probe (which keeps a first
// try an ask again could not finish) and classify (which reads such a result as saying nothing of any layer).

/**
 * Our own deadline, not the server, ended it: DEADLINE (cut short in flight, no response yet) or NOT_PROBED (never
 * sent: the deadline came first). Neither says anything about any layer or provider.
 */
export function endedByOwnDeadline(x: { error: { code: string } | null; httpStatus?: number | null }): boolean {
  return (x.error?.code === 'DEADLINE' || x.error?.code === 'NOT_PROBED') && (x.httpStatus ?? null) === null;
}
