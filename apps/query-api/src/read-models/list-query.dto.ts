import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PROGRAMS } from '@careledger/domain';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Filters and paging of every list endpoint. Unknown query parameters are rejected by the global pipe. */
export class ListQueryDto {
  @ApiPropertyOptional({ example: '2025-03' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ enum: PROGRAMS })
  @IsOptional()
  @IsIn(PROGRAMS)
  program?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID, { message: 'practitionerId must be an id' })
  practitionerId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID, { message: 'departmentId must be an id' })
  departmentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID, { message: 'patientId must be an id' })
  patientId?: string;

  @ApiPropertyOptional({ description: 'Code filter (billing code, conflict code or exclusion reason)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,40}$/, { message: 'code must be a code' })
  code?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID, { message: 'carePlanId must be an id' })
  carePlanId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Wait until the projections reflect this global position (read-your-writes)',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  minPosition?: number;
}
