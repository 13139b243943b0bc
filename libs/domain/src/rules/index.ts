export * from './determine-month';
export * from './month-determination';
export * from './rule-set';
export * from './rule-set.registry';
export * from './exclusive-choice.policy';
export * from './event-order';
export { CY2025 } from './rule-sets/cy2025.rule-set';
export { CY2026 } from './rule-sets/cy2026.rule-set';
