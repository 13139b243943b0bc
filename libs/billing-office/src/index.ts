export * from './billing-office';
