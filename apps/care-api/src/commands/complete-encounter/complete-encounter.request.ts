import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn } from 'class-validator';
import { ENCOUNTER_KINDS, PROGRAMS } from '@careledger/domain';
import { IsId, IsLocalDate, IsOneOf, IsOptional, CommandRequestBase } from '../../shared/request-fields';

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
}
