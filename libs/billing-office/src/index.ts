export * from './billing-office';
export * from './fee-schedule.loader';
