import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsId, IsInstant, IsLocalDate, IsOptional } from '../../shared/request-fields';

/** Body of `Record pharmacologic management at a psychotherapy encounter`: the PharmacologicManagementProvided data, plus the actor's department. */
export class ProvidePharmacologicManagementRequest {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  encounterId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  on!: string;

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
