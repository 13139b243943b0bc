/**
 * The pure replay of a tenant-month (issue 5, ADR 0600-0602): the event log as of a knowledge time,
 * the evaluation through the projector's `determineMonth`, the report and its digest. Used by the
 * audit app and by the billing office's month close (ADR 0616), so both compute the same digest.
 */
export * from './claim-mismatch';
export * from './determine-month';
export * from './patient-month-scope';
export * from './replay-digest';
export * from './replay-event-log';
export * from './replay-options';
export * from './replay-report';
export * from './replay-runner';
