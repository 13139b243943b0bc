import { ApiProperty } from '@nestjs/swagger';
import { NAVIGATION_SERVICES } from '@careledger/domain';
import { IsId, IsLocalDate, IsOneOf, CommandRequestBase } from '../../shared/request-fields';

/** Body of `Initiate community health integration or principal illness navigation`: the NavigationServicesInitiated data (extension 1.3), plus the actor's department. */
export class InitiateNavigationServicesRequest extends CommandRequestBase {
  @ApiProperty({ example: 'x-1' })
  @IsId()
  initiationId!: string;

  @ApiProperty({
    enum: NAVIGATION_SERVICES,
    description: 'CHI (G0019/G0022), PIN (G0023/G0024), PIN_PS (G0140/G0146)',
  })
  @IsOneOf(NAVIGATION_SERVICES)
  service!: (typeof NAVIGATION_SERVICES)[number];

  @ApiProperty({ example: 'x-1' })
  @IsId()
  billingPractitionerId!: string;

  @ApiProperty({
    example: 'x-1',
    description: "The billing practitioner's initiating visit (EncounterCompleted)",
  })
  @IsId()
  initiatingEncounterId!: string;

  @ApiProperty({ example: '2026-03-02' })
  @IsLocalDate()
  consentObtainedOn!: string;
}
