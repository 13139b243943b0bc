import { ApiProperty } from '@nestjs/swagger';
import { IsInstant, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record the withdrawal of a consent`: the ConsentRevoked data, less the ids in the path, plus the actor's department. */
export class RevokeConsentRequest extends CommandRequestBase {
  @ApiProperty({ example: '2025-03-04T14:00:00-05:00' })
  @IsInstant()
  revokedAt!: string;
}
