import { ApiProperty } from '@nestjs/swagger';
import type { Response } from 'express';

/** The answer to an accepted command or import (also what an idempotent retry gets back). */
export class AppendedResponse {
  @ApiProperty({ description: 'Ids of the appended events, in append order', type: [String] })
  eventIds!: string[];

  @ApiProperty({ description: 'Each stream written and its version after the append' })
  streams!: { streamId: string; streamVersion: number }[];

  @ApiProperty({ description: 'Highest global position written; pass it to query-api to read your writes' })
  globalPosition!: number;
}

/** What a handler returns: the status, the body, and whether it is a stored first response. */
export interface CommandOutcome {
  statusCode: number;
  body: AppendedResponse;
  replayed: boolean;
}

/** Writes a {@link CommandOutcome} through a passthrough response and returns its body. */
export function respond(res: Response, outcome: CommandOutcome): AppendedResponse {
  res.status(outcome.statusCode);
  if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return outcome.body;
}
