import { ApiProperty } from '@nestjs/swagger';
import { IsText, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Withdraw a time entry`: the CareTimeVoided data, less the ids in the path, plus the actor's department. */
export class VoidCareTimeRequest extends CommandRequestBase {
  @ApiProperty({ description: 'Free text (PHI): never logged' })
  @IsText(2000)
  reason!: string;
}
