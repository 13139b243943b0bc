import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What an {@link inFlightLimit} middleware is doing now (for tests and metrics). */
export interface InFlightStats {
  active: number;
  waiting: number;
}

/**
 * Admits at most `max` requests at once; later ones wait in arrival order (no error) and start as
 * earlier ones finish (ADR 0406). The database pool is sized for `max` (`CARELEDGER_DB_POOL_MAX` >=
 * `CARELEDGER_HTTP_MAX_IN_FLIGHT` + 2), so an admitted request never waits for a connection and
 * never fails on the pool's connection timeout under load. A request whose client went away (or
 * that the request timeout answered) while it waited gives its turn to the next one at once.
 */
export function inFlightLimit(max: number): RequestHandler & { stats(): InFlightStats } {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const admit = (req: Request, res: Response, next: NextFunction): void => {
    if (res.writableEnded || req.destroyed) return release();
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      release();
    });
    next();
  };
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    if (active < max) {
      active++;
      admit(req, res, next);
      return;
    }
    const turn = (): void => {
      res.off('close', leave);
      admit(req, res, next);
    };
    // A client that goes away while waiting leaves the queue at once.
    const leave = (): void => {
      const i = waiting.indexOf(turn);
      if (i >= 0) waiting.splice(i, 1);
    };
    res.once('close', leave);
    waiting.push(turn);
  };
  return Object.assign(handler, { stats: (): InFlightStats => ({ active, waiting: waiting.length }) });
}
