import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { ORGANIZATION_KINDS } from '@careledger/domain';
import { IsId, IsInstant, IsOneOf, IsOptional, IsText } from '../../shared/request-fields';

/** Body of `Register an organization (reference data)`: the OrganizationRegistered data, plus the actor's department. */
export class RegisterOrganizationRequest {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  organizationId!: string;

  @ApiProperty({ description: 'Organization name (not PHI)' })
  @IsText(200)
  name!: string;

  @ApiProperty({ description: 'IANA time zone', example: 'America/New_York' })
  @IsString()
  @MaxLength(64)
  timezone!: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS })
  @IsOneOf(ORGANIZATION_KINDS)
  kind!: (typeof ORGANIZATION_KINDS)[number];

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
