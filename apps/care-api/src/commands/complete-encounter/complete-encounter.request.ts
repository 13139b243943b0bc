import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn } from 'class-validator';
import { ENCOUNTER_KINDS, PROGRAMS } from '@careledger/domain';
import { IsId, IsInstant, IsLocalDate, IsOneOf, IsOptional } from '../../shared/request-fields';

/** Body of `Record a completed visit`: the EncounterCompleted data, plus the actor's department. */
export class CompleteEncounterRequest {
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
    description: "Department the actor works for; must be one of the token's departments",
    example: 'x-1',
  })
  @IsOptional()
  @IsId()
  departmentId?: string;

  @ApiPropertyOptional({
    description: "When it happened in the world; defaults to the command's own instant or now",
    example: '2025-03-04T14:00:00-05:00',
  })
  @IsOptional()
  @IsInstant()
  occurredAt?: string;
}
