import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsId, IsInstant, IsLocalDate, IsMinutes, IsOptional } from '../../shared/request-fields';

/** Body of `Record psychotherapy with an E/M visit`: the PsychotherapyProvided data, plus the actor's department. */
export class ProvidePsychotherapyRequest {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  encounterId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  on!: string;

  @ApiProperty({})
  @IsMinutes()
  minutes!: number;

  @ApiProperty({})
  @IsBoolean()
  withEM!: boolean;

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
