export * from './months-touched';
export * from './practice-zones';
export * from './patient-month-context';
export * from './monthly-minutes';
export * from './worklist';
export * from './patient-month-summary';
