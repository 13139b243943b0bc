import { deepStrictEqual, fail, ok } from 'node:assert/strict';

/**
 * One given/when/then helper for the pure parts of the domain, in the style of Emmett's
 * `DeciderSpecification`: `given(history).when(input).then(expected)`. The same shape serves the
 * deciders (given events, when a command, then the new events or an error) and the rules engine
 * (given events, when a month is determined, then the determination). Assertions use
 * `node:assert/strict`, so the helper works under any runner and needs no test framework globals.
 */

/** Checks a result: the exact expected value (deep, strict equality) or a function that asserts. */
export type Then<R> = R | ((result: R) => void);

/** An error class (abstract or with a protected constructor too): matched by its prototype. */
export interface ErrorType<E extends Error> {
  readonly prototype: E;
  readonly name: string;
}

export interface WhenClause<R> {
  /** The result equals `expected` (deep, strict), or `expected(result)` does not throw. */
  then(expected: Then<R>): void;
  /**
   * Running the input throws. `errorType` (optional) is the class the error must be an instance
   * of; `check` (optional) asserts on the error (return false to fail).
   */
  thenThrows<E extends Error>(errorType?: ErrorType<E>, check?: (error: E) => boolean | void): void;
}

export interface GivenClause<I, R> {
  when(input: I): WhenClause<R>;
}

/** `Specification.for(run)`: `run(given, input)` is the system under test (pure). */
export const Specification = {
  for<G, I, R>(
    run: (given: readonly G[], input: I) => R,
  ): (...given: (G | readonly G[])[]) => GivenClause<I, R> {
    return (...given) => {
      const history = given.flatMap((g) => (Array.isArray(g) ? (g as readonly G[]) : [g as G]));
      return {
        when(input: I): WhenClause<R> {
          return {
            then(expected) {
              const result = run(history, input);
              if (typeof expected === 'function') (expected as (r: R) => void)(result);
              else deepStrictEqual(result, expected);
            },
            thenThrows(errorType, check) {
              let result: R;
              try {
                result = run(history, input);
              } catch (error) {
                if (errorType)
                  ok(
                    Object.prototype.isPrototypeOf.call(errorType.prototype, error as object),
                    `expected ${errorType.name}, got ${String(error)}`,
                  );
                if (check)
                  ok(check(error as never) !== false, `the thrown error failed the check: ${String(error)}`);
                return;
              }
              fail(`expected an error, got ${JSON.stringify(result)}`);
            },
          };
        },
      };
    };
  },
};

/** A decider as Emmett spells it: decide a command on a state; evolve a state by one event. */
export interface DeciderOf<S, C, E> {
  decide(state: S, command: C): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

/**
 * `DeciderSpecification.for(decider)`: given events (folded by `evolve` from `initialState`), when a
 * command, then the events `decide` returns, `thenNothingHappened()` (no events) or `thenThrows`.
 */
export const DeciderSpecification = {
  for<S, C, E>(decider: DeciderOf<S, C, E>) {
    const spec = Specification.for<E, C, E[]>((history, command) =>
      decider.decide(history.reduce(decider.evolve, decider.initialState()), command),
    );
    return (...given: (E | readonly E[])[]) => {
      const clause = spec(...given);
      return {
        when(command: C) {
          const w = clause.when(command);
          return {
            then: (expected: Then<E[]>) => w.then(expected),
            thenThrows: w.thenThrows.bind(w),
            thenNothingHappened: () => w.then([]),
          };
        },
      };
    };
  },
};
