import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRACTITIONER_ROLES, PROGRAMS } from '@careledger/domain';
import {
  IsInstant,
  IsMinutes,
  IsOneOf,
  IsOptional,
  IsText,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Correct a time entry`: the CareTimeAmended data, less the ids in the path, plus the actor's department. */
export class AmendCareTimeRequest extends CommandRequestBase {
  @ApiPropertyOptional({})
  @IsOptional()
  @IsMinutes()
  minutes?: number;

  @ApiPropertyOptional({ example: '2025-03-04T14:00:00-05:00' })
  @IsOptional()
  @IsInstant()
  startedAt?: string;

  @ApiPropertyOptional({ enum: PROGRAMS })
  @IsOptional()
  @IsOneOf(PROGRAMS)
  program?: (typeof PROGRAMS)[number];

  @ApiPropertyOptional({ enum: PRACTITIONER_ROLES })
  @IsOptional()
  @IsOneOf(PRACTITIONER_ROLES)
  performerRole?: (typeof PRACTITIONER_ROLES)[number];

  @ApiProperty({ description: 'Free text (PHI): never logged' })
  @IsText(2000)
  reason!: string;
}
