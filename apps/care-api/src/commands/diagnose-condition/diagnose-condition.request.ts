import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsBoolean, IsId, IsLocalDate, IsOptional, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record a diagnosis`: the ConditionDiagnosed data, plus the actor's department. */
export class DiagnoseConditionRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  conditionId!: string;

  @ApiProperty({ description: 'ICD-10-CM code, with or without the dot', example: 'E11.9' })
  @IsString()
  @MaxLength(10)
  icd10!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  diagnosedOn!: string;

  @ApiPropertyOptional({})
  @IsOptional()
  @IsBoolean()
  chronic?: boolean;

  @ApiPropertyOptional({})
  @IsOptional()
  @IsBoolean()
  highRisk?: boolean;

  @ApiPropertyOptional({})
  @IsOptional()
  @IsBoolean()
  behavioral?: boolean;

  @ApiPropertyOptional({ description: 'Extension 1.1: months the condition is expected to last (1-1200)' })
  @IsOptional()
  @IsInt({ message: '$property must be a whole number of months, 1-1200' })
  @Min(1, { message: '$property must be a whole number of months, 1-1200' })
  @Max(1200, { message: '$property must be a whole number of months, 1-1200' })
  expectedDurationMonths?: number;
}
