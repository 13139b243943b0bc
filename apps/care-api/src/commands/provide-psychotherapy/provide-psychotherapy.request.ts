import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsId, IsLocalDate, IsMinutes, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Record psychotherapy with an E/M visit`: the PsychotherapyProvided data, plus the actor's department. */
export class ProvidePsychotherapyRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  encounterId!: string;

  @ApiProperty({ example: 'x-1' })
  @IsId()
  practitionerId!: string;

  @ApiProperty({ example: '2025-03-04' })
  @IsLocalDate()
  on!: string;

  @ApiProperty({})
  @IsMinutes()
  minutes!: number;

  @ApiProperty({})
  @IsBoolean()
  withEM!: boolean;
}
