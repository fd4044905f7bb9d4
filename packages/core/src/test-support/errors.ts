/** Test-only: run `fn`, which must throw a USAGE PitrError (with hints unless `requireHints` is false). */
import { expect } from 'vitest';
import { PitrError } from '../errors/pitr-error.js';

export function usageError(fn: () => unknown, requireHints = true): PitrError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PitrError);
    expect((e as PitrError).code).toBe('USAGE');
    if (requireHints) expect((e as PitrError).hints.length).toBeGreaterThan(0);
    return e as PitrError;
  }
  throw new Error('expected a PitrError');
}
