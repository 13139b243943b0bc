import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_METHODS, PROGRAMS } from '@careledger/domain';
import { IsBoolean, IsId, IsInstant, IsLocalDate, IsOneOf, IsOptional } from '../../shared/request-fields';

/** Body of `Record a patient's consent to a program`: the ConsentGranted data, plus the actor's department. */
export class GrantConsentRequest {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  consentId!: string;

  @ApiProperty({ enum: PROGRAMS })
  @IsOneOf(PROGRAMS)
  program!: (typeof PROGRAMS)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({ enum: CONSENT_METHODS })
  @IsOneOf(CONSENT_METHODS)
  method!: (typeof CONSENT_METHODS)[number];

  @ApiProperty({ example: '2025-03-04T14:00:00-05:00' })
  @IsInstant()
  obtainedAt!: string;

  @ApiProperty({})
  @IsBoolean()
  costSharingExplained!: boolean;

  @ApiPropertyOptional({ description: 'CoCM episode start', example: '2025-03-04' })
  @IsOptional()
  @IsLocalDate()
  episodeStartedOn?: string;

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
