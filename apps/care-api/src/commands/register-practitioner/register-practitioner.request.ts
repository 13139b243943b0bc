import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { PRACTITIONER_ROLES } from '@careledger/domain';
import { IsBoolean, IsId, IsInstant, IsOneOf, IsOptional } from '../../shared/request-fields';

/** Body of `Register a practitioner or staff member (reference data)`: the PractitionerRegistered data, plus the actor's department. */
export class RegisterPractitionerRequest {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  organizationId!: string;

  @ApiProperty({ description: 'MD, DO, NP, PA, RN, LCSW, ...', example: 'MD' })
  @IsString()
  @MaxLength(16)
  credential!: string;

  @ApiProperty({ enum: PRACTITIONER_ROLES })
  @IsOneOf(PRACTITIONER_ROLES)
  role!: (typeof PRACTITIONER_ROLES)[number];

  @ApiProperty({ description: 'May bill E/M services' })
  @IsBoolean()
  canBillEM!: boolean;

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
