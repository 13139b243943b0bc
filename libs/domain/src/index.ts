export * from './errors/domain.error';
export * from './events/event-types';
export * from './events/icd10';
export { BILLING_CODE_PATTERN, SAFE_ID_PATTERN, type ValidationIssue } from './events/field-rules';
export * from './events/event-schemas';
export * from './events/event-validation.error';
export * from './events/validate-contract-event';
export * from './upcasting/upcaster-registry';
export * from './reference/reference-data';
