import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
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
}
