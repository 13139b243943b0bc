import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsId, IsText } from '../../shared/request-fields';

/** Body of `Reopen a closed month`: the organization-month, why, and the actor's department. */
export class ReopenMonthRequest {
  @ApiProperty({ description: 'Closed month', example: '2025-04' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: '$property must be a month YYYY-MM' })
  month!: string;

  @ApiProperty({ example: 'ORG-MAINST' })
  @IsId()
  organizationId!: string;

  @ApiProperty({ description: 'Why the month is reopened (free text, PHI class free-text; never logged)' })
  @IsText(1000)
  @MinLength(1)
  reason!: string;

  @ApiPropertyOptional({
    description: "Department the actor works for; must be one of the token's departments",
    example: 'billing',
  })
  @IsOptional()
  @IsId()
  departmentId?: string;
}
