import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import {
  BILLING_CODE_PATTERN,
  CARE_SETTINGS,
  MONITORING_ACTIVITIES,
  PRACTITIONER_ROLES,
  PROGRAMS,
} from '@careledger/domain';
import {
  IsId,
  IsInstant,
  IsMinutes,
  IsOneOf,
  IsOptional,
  IsText,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Log minutes of care-management work`: the CareTimeLogged data, plus the actor's department. */
export class LogCareTimeRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  entryId!: string;

  @ApiProperty({ enum: PROGRAMS })
  @IsOneOf(PROGRAMS)
  program!: (typeof PROGRAMS)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  performerId!: string;

  @ApiProperty({ enum: PRACTITIONER_ROLES })
  @IsOneOf(PRACTITIONER_ROLES)
  performerRole!: (typeof PRACTITIONER_ROLES)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({ example: '2025-03-04T14:00:00-05:00' })
  @IsInstant()
  startedAt!: string;

  @ApiProperty({ description: '1..1440' })
  @IsMinutes()
  minutes!: number;

  @ApiProperty({ description: 'Free text (PHI): never logged' })
  @IsText(2000)
  activity!: string;

  @ApiPropertyOptional({ description: 'This time was used for another billed service', example: '99490' })
  @IsOptional()
  @Matches(BILLING_CODE_PATTERN, { message: '$property must be a 5-character billing code such as 99490' })
  separatelyBilledAs?: string;

  @ApiPropertyOptional({ enum: CARE_SETTINGS, description: 'Extension 1.1: where the patient was' })
  @IsOptional()
  @IsOneOf(CARE_SETTINGS)
  careSetting?: (typeof CARE_SETTINGS)[number];

  @ApiPropertyOptional({
    example: 'x-1',
    description: 'Extension 1.2: DMHT treatment-management minutes of this course (G0553/G0554)',
  })
  @IsOptional()
  @IsId()
  digitalTherapyCourseId?: string;

  @ApiPropertyOptional({
    enum: MONITORING_ACTIVITIES,
    description: "Extension 1.2, program RPM: the practitioner's own data interpretation (99091)",
  })
  @IsOptional()
  @IsOneOf(MONITORING_ACTIVITIES)
  monitoringActivity?: (typeof MONITORING_ACTIVITIES)[number];
}
