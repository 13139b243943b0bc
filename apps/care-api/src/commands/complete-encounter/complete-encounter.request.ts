import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { ENCOUNTER_KINDS, MDM_LEVELS, PROGRAMS } from '@careledger/domain';
import {
  IsBoolean,
  IsId,
  IsLocalDate,
  IsOneOf,
  IsOptional,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Extension 1.1: the discharge a TCM visit follows (only with `kind: tcm`). */
export class TransitionRequest {
  @ApiProperty({ example: '2025-03-07' })
  @IsLocalDate()
  dischargedOn!: string;

  @ApiPropertyOptional({ example: '2025-03-10' })
  @IsOptional()
  @IsLocalDate()
  interactiveContactOn?: string;

  @ApiProperty({ enum: MDM_LEVELS })
  @IsOneOf(MDM_LEVELS)
  mdm!: (typeof MDM_LEVELS)[number];
}

/** Body of `Record a completed visit`: the EncounterCompleted data, plus the actor's department. */
export class CompleteEncounterRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  encounterId!: string;

  @ApiProperty({ enum: ENCOUNTER_KINDS })
  @IsOneOf(ENCOUNTER_KINDS)
  kind!: (typeof ENCOUNTER_KINDS)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  on!: string;

  @ApiPropertyOptional({ enum: PROGRAMS, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn([...PROGRAMS], { each: true, message: `$property must hold programs: ${PROGRAMS.join(', ')}` })
  programsDiscussed?: (typeof PROGRAMS)[number][];

  @ApiPropertyOptional({
    description: 'Extension 1.1: office E/M level 1-5 (1 = 99211), only with kind em_office',
  })
  @IsOptional()
  @IsInt({ message: '$property must be an E/M level 1-5' })
  @Min(1, { message: '$property must be an E/M level 1-5' })
  @Max(5, { message: '$property must be an E/M level 1-5' })
  emLevel?: number;

  @ApiPropertyOptional({ description: 'Extension 1.1: extensive CCM assessment and care planning (G0506)' })
  @IsOptional()
  @IsBoolean()
  ccmComprehensiveAssessment?: boolean;

  @ApiPropertyOptional({
    type: TransitionRequest,
    description: 'Extension 1.1: TCM transition, only with kind tcm',
  })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => TransitionRequest)
  transition?: TransitionRequest;
}
