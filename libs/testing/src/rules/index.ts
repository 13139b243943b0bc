/** Given/when/then kit of the rules engine (test-only: never imported by shipped code). */
export * from './patient-month.builder';
export * from './month-specification';
export * from './month-fixtures';
