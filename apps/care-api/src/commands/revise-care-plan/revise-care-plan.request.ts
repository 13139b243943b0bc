import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import { MDM_LEVELS } from '@careledger/domain';
import {
  IsBoolean,
  IsId,
  IsLocalDate,
  IsOneOf,
  IsOptional,
  IsTextList,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Replaced lists of a care plan revision (free text: PHI). */
export class CarePlanChangesRequest {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsTextList()
  problems?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Free text (PHI)' })
  @IsOptional()
  @IsTextList()
  goals?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Free text (PHI)' })
  @IsOptional()
  @IsTextList()
  interventions?: string[];
}

/** Body of `Record the next version of a care plan`: the CarePlanRevised data, less the ids in the path, plus the actor's department. */
export class ReviseCarePlanRequest extends CommandRequestBase {
  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  revisedOn!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  authorId!: string;

  @ApiProperty({ description: 'Lists replaced as a whole', type: CarePlanChangesRequest })
  @IsObject()
  @ValidateNested()
  @Type(() => CarePlanChangesRequest)
  changes!: CarePlanChangesRequest;

  @ApiProperty({})
  @IsBoolean()
  substantial!: boolean;

  @ApiPropertyOptional({ enum: MDM_LEVELS })
  @IsOptional()
  @IsOneOf(MDM_LEVELS)
  mdm?: (typeof MDM_LEVELS)[number];
}
