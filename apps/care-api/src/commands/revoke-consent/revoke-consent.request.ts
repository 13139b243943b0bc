import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsId, IsInstant, IsOptional } from '../../shared/request-fields';

/** Body of `Record the withdrawal of a consent`: the ConsentRevoked data, less the ids in the path, plus the actor's department. */
export class RevokeConsentRequest {
  @ApiProperty({ example: '2025-03-04T14:00:00-05:00' })
  @IsInstant()
  revokedAt!: string;

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
