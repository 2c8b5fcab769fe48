import { IncidentError } from '../../src/incidents/errors.ts';

/**
 * Runs `fn` and returns the IncidentError it throws (or, when it returns a promise, the one that promise rejects
 * with); fails the test when it throws nothing or something else.
 */
export function catchIncidentError(fn: () => Promise<unknown>): Promise<IncidentError>;
export function catchIncidentError(fn: () => unknown): IncidentError;
export function catchIncidentError(fn: () => unknown): IncidentError | Promise<IncidentError> {
  try {
    const result = fn();
    if (result instanceof Promise) return rejectionOf(() => result);
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
