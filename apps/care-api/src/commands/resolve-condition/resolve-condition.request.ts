import { ApiProperty } from '@nestjs/swagger';
import { IsLocalDate, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record that a condition is resolved`: the ConditionResolved data, less the ids in the path, plus the actor's department. */
export class ResolveConditionRequest extends CommandRequestBase {
  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  resolvedOn!: string;
}
