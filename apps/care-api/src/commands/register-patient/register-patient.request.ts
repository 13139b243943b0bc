import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsId, IsInstant, IsOptional } from '../../shared/request-fields';

/** Body of `Register a patient with a home organization`: the PatientRegistered data, plus the actor's department. */
export class RegisterPatientRequest {
  @ApiProperty({ description: 'Pseudonymous patient id (no names)', example: 'x-1' })
  @IsId()
  patientId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  organizationId!: string;

  @ApiPropertyOptional({ description: 'Qualified Medicare Beneficiary' })
  @IsOptional()
  @IsBoolean()
  qmb?: boolean;

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
