import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsId, IsInstant, IsOptional, IsText } from '../../shared/request-fields';

/** Body of `Withdraw a time entry`: the CareTimeVoided data, less the ids in the path, plus the actor's department. */
export class VoidCareTimeRequest {
  @ApiProperty({ description: 'Free text (PHI): never logged' })
  @IsText(2000)
  reason!: string;

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
