import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsId,
  IsInstant,
  IsMinutes,
  IsOptional,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Log minutes of navigation or community health integration work`: the NavigationTimeLogged data (extension 1.3), plus the actor's department. */
export class LogNavigationTimeRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1', description: 'Re-sending an entry id replaces the entry (the latest wins)' })
  @IsId()
  entryId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  initiationId!: string;

  @ApiProperty({ example: 'x-1', description: 'The certified or trained auxiliary personnel' })
  @IsId()
  performerId!: string;

  @ApiProperty({ example: '2026-03-05T10:00:00-05:00' })
  @IsInstant()
  startedAt!: string;

  @ApiProperty({ description: '1..1440' })
  @IsMinutes()
  minutes!: number;

  @ApiPropertyOptional({ description: 'true drops the entry' })
  @IsOptional()
  @IsBoolean()
  voided?: boolean;
}
