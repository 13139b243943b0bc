import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PRACTITIONER_ROLES } from '@careledger/domain';
import { IsBoolean, IsId, IsOneOf, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Register a practitioner or staff member (reference data)`: the PractitionerRegistered data, plus the actor's department. */
export class RegisterPractitionerRequest extends CommandRequestBase {
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

  @ApiPropertyOptional({ description: 'Individual NPI, 10 digits (charge feed)', example: '1245319599' })
  @IsOptional()
  @Matches(/^\d{10}$/, { message: 'npi must be 10 digits' })
  npi?: string;
}
