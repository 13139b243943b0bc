import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CARE_PLAN_KINDS, MDM_LEVELS, PROGRAMS } from '@careledger/domain';
import {
  IsBoolean,
  IsId,
  IsLocalDate,
  IsOneOf,
  IsOptional,
  IsTextList,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Record version 1 of a care plan`: the CarePlanEstablished data, plus the actor's department. */
export class EstablishCarePlanRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  carePlanId!: string;

  @ApiProperty({ enum: PROGRAMS })
  @IsOneOf(PROGRAMS)
  program!: (typeof PROGRAMS)[number];

  @ApiProperty({ enum: CARE_PLAN_KINDS })
  @IsOneOf(CARE_PLAN_KINDS)
  kind!: (typeof CARE_PLAN_KINDS)[number];

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  establishedOn!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  authorId!: string;

  @ApiProperty({ type: [String] })
  @IsTextList()
  problems!: string[];

  @ApiProperty({ description: 'Free text (PHI)', type: [String] })
  @IsTextList()
  goals!: string[];

  @ApiProperty({ description: 'Free text (PHI)', type: [String] })
  @IsTextList()
  interventions!: string[];

  @ApiProperty({})
  @IsBoolean()
  sharedWithPatient!: boolean;

  @ApiPropertyOptional({ enum: MDM_LEVELS })
  @IsOptional()
  @IsOneOf(MDM_LEVELS)
  mdm?: (typeof MDM_LEVELS)[number];
}
