import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MONITORING_DEVICE_CATEGORIES, MONITORING_KINDS } from '@careledger/domain';
import {
  IsId,
  IsLocalDate,
  IsLocalDateList,
  IsOneOf,
  IsOptional,
  CommandRequestBase,
} from '../../shared/request-fields';

/** Body of `Record the device data days of a remote-monitoring period`: the MonitoringDataRecorded data (extension 1.1), plus the actor's department. */
export class RecordMonitoringDataRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  periodId!: string;

  @ApiProperty({ enum: MONITORING_KINDS })
  @IsOneOf(MONITORING_KINDS)
  monitoring!: (typeof MONITORING_KINDS)[number];

  @ApiProperty({
    enum: MONITORING_DEVICE_CATEGORIES,
    description: 'physiologic for RPM; respiratory, musculoskeletal or cbt for RTM',
  })
  @IsOneOf(MONITORING_DEVICE_CATEGORIES)
  deviceCategory!: (typeof MONITORING_DEVICE_CATEGORIES)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({ example: '2026-03-02', description: 'First day of the 30-day period' })
  @IsLocalDate()
  periodStartOn!: string;

  @ApiProperty({
    example: ['2026-03-02'],
    description: 'Distinct local dates with device data, inside the period (at most 30)',
  })
  @IsLocalDateList(30)
  dataDays!: string[];

  @ApiPropertyOptional({ example: '2026-03-02', description: 'Set-up and patient education date' })
  @IsOptional()
  @IsLocalDate()
  setupOn?: string;
}
