import { determineMonth } from '@careledger/domain';
import type { Determination } from './replay-report';
import type { DetermineMonthFn } from './replay-runner';

/** The engine's function (the projector's own), seen through the report's structural determination type. */
export const DETERMINE_MONTH: DetermineMonthFn = (events, opts) =>
  determineMonth(events, opts) as unknown as Determination;
