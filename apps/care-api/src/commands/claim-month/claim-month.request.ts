import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { BILLING_CODE_PATTERN, PROGRAMS } from '@careledger/domain';
import { IsId, IsOneOf, CommandRequestBase } from '../../shared/request-fields';

/** One submitted claim line. */
export class ClaimLineRequest {
  @ApiProperty({ example: '99490' })
  @Matches(BILLING_CODE_PATTERN, { message: '$property must be a 5-character billing code such as 99490' })
  code!: string;

  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(99)
  units!: number;
}

/** Body of `Record what was submitted for a month`: the MonthClaimed data, plus the actor's department. */
export class ClaimMonthRequest extends CommandRequestBase {
  @ApiProperty({ example: '2025-03' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: '$property must be a month YYYY-MM' })
  month!: string;

  @ApiProperty({ enum: PROGRAMS })
  @IsOneOf(PROGRAMS)
  program!: (typeof PROGRAMS)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({ type: [ClaimLineRequest] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ClaimLineRequest)
  lines!: ClaimLineRequest[];
}
