import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_METHODS, PROGRAMS } from '@careledger/domain';
import {
  IsBoolean,
  IsId,
  IsInstant,
  IsLocalDate,
  IsOneOf,
  IsOptional,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Record a patient's consent to a program`: the ConsentGranted data, plus the actor's department. */
export class GrantConsentRequest extends CommandRequestBase {
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
    description: 'Extension 1.1, CoCM: the patient permits consultation with a psychiatric specialist',
  })
  @IsOptional()
  @IsBoolean()
  specialistConsultationPermitted?: boolean;

  @ApiPropertyOptional({
    description:
      'Extension 1.2, CoCM or BHI (CY2026): the behavioral care is furnished under APCM (G0568-G0570)',
  })
  @IsOptional()
  @IsBoolean()
  underApcm?: boolean;
}
