import { ApiProperty } from '@nestjs/swagger';
import { IsId, IsLocalDate, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record pharmacologic management at a psychotherapy encounter`: the PharmacologicManagementProvided data, plus the actor's department. */
export class ProvidePharmacologicManagementRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  encounterId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  on!: string;
}
