import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REPLAY_SOURCES, REPORT_FORMATS, RULE_SETS } from '../replay/replay-options';

/** Body of `POST /v1/tenants/{tenantId}/replays`. Shapes only; `parseReplayOptions` normalizes. */
export class ReplayRequestDto {
  @ApiProperty({ example: '2025-03', description: 'Billing month, YYYY-MM' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM with a month 01-12' })
  month!: string;

  @ApiPropertyOptional({
    example: '2025-04-01T00:00:00-05:00',
    description: 'Knowledge time (ISO-8601 with offset): only events recorded at or before it; omit for all',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  asOf?: string | null;

  @ApiPropertyOptional({ enum: REPLAY_SOURCES, default: 'kafka' })
  @IsOptional()
  @IsIn(REPLAY_SOURCES)
  source?: (typeof REPLAY_SOURCES)[number];

  @ApiPropertyOptional({
    enum: RULE_SETS,
    description: 'Replay under another rule set ("what if")',
    nullable: true,
  })
  @IsOptional()
  @IsIn(RULE_SETS)
  rules?: (typeof RULE_SETS)[number] | null;

  @ApiPropertyOptional({ description: 'Replay one patient only', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  patientId?: string | null;

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: (typeof REPORT_FORMATS)[number];
}
