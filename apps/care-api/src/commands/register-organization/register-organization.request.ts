import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ORGANIZATION_KINDS } from '@careledger/domain';
import { IsId, IsOneOf, IsText, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Register an organization (reference data)`: the OrganizationRegistered data, plus the actor's department. */
export class RegisterOrganizationRequest extends CommandRequestBase {
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

  @ApiPropertyOptional({ description: 'Organization NPI, 10 digits (charge feed)', example: '1234567893' })
  @IsOptional()
  @Matches(/^\d{10}$/, { message: 'npi must be 10 digits' })
  npi?: string;

  @ApiPropertyOptional({
    description: 'Billing TIN, 9 digits without dashes (charge feed)',
    example: '123456789',
  })
  @IsOptional()
  @Matches(/^\d{9}$/, { message: 'tin must be 9 digits' })
  tin?: string;
}
