import { IncidentError } from '../../src/incidents/errors.ts';

/** Runs `fn` and returns the IncidentError it throws; fails the test when it throws nothing or something else. */
export function catchIncidentError(fn: () => unknown): IncidentError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IncidentError) return e;
    throw e;
  }
  throw new Error('expected an IncidentError, but nothing was thrown');
}

/**
 * The IncidentError an async call fails with, whether it throws at once or rejects later; fails the test when it
 * succeeds or fails with something else.
 */
export async function rejectionOf(call: () => Promise<unknown>): Promise<IncidentError> {
  try {
    await call();
  } catch (e) {
    if (e instanceof IncidentError) return e;
    throw e;
  }
  throw new Error('expected an IncidentError, but the call succeeded');
}
