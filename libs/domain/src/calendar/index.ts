export * from './zoned-calendar';
