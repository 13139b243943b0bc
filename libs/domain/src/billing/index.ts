export * from './billing.errors';
export * from './month-close';
export * from './restatement';
export * from './hl7-text';
export * from './dft-p03';
export * from './fee-schedule';
