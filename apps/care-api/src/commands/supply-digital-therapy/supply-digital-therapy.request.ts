import { ApiProperty } from '@nestjs/swagger';
import { DIGITAL_THERAPY_REGULATIONS } from '@careledger/domain';
import { IsId, IsLocalDate, IsOneOf, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record a digital mental health treatment device supplied for a course`: the DigitalTherapySupplied data (extension 1.2), plus the actor's department. */
export class SupplyDigitalTherapyRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  courseId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({
    enum: DIGITAL_THERAPY_REGULATIONS,
    description: 'The 21 CFR section the device is cleared under',
  })
  @IsOneOf(DIGITAL_THERAPY_REGULATIONS)
  deviceRegulation!: (typeof DIGITAL_THERAPY_REGULATIONS)[number];

  @ApiProperty({ example: '2026-03-02' })
  @IsLocalDate()
  suppliedOn!: string;
}
