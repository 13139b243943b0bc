/**
 * Which patient-months a replay covers. The zone lookups and the activity test are DOMAIN's, the
 * same functions the projector calls (ARCHITECTURE.md: projection and replay share one pure path).
 */
export {
  hasActivityInMonth,
  indexReference,
  instantInMonth,
  monthZonesOf,
  type ReferenceIndex,
} from '@careledger/domain';
