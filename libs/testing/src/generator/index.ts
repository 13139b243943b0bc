export { generateHealthSystem, describeHealthSystem } from './health-system.generator';
export type { GenerateHealthSystemOptions, HealthSystemStats } from './health-system.generator';
export { estimateClaims } from './claim-estimator';
export type { ClaimEstimateInput, EstimatedClaim } from './claim-estimator';
export { writeNdjson, parseNdjson } from './ndjson.writer';
export { SeededRandom, hash32 } from './seeded-random';
