import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsId, IsOptional, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Register a patient with a home organization`: the PatientRegistered data, plus the actor's department. */
export class RegisterPatientRequest extends CommandRequestBase {
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
    description: "The EHR's patient identifier (MRN), sent in PID-3 of the charge feed",
  })
  @IsOptional()
  @IsId()
  ehrPatientId?: string;
}
