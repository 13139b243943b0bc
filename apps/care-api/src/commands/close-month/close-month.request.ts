import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { IsId } from '../../shared/request-fields';

/** Body of `Close a month`: which month, optionally one organization, and the actor's department. */
export class CloseMonthRequest {
  @ApiProperty({ description: 'Month to close, over in the organization zone', example: '2025-04' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: '$property must be a month YYYY-MM' })
  month!: string;

  @ApiPropertyOptional({
    description: 'One organization; absent: every organization of the tenant, in one append',
    example: 'ORG-MAINST',
  })
  @IsOptional()
  @IsId()
  organizationId?: string;

  @ApiPropertyOptional({
    description: "Department the actor works for; must be one of the token's departments",
    example: 'billing',
  })
  @IsOptional()
  @IsId()
  departmentId?: string;
}
