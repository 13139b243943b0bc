export * from './access-log.controller';
export * from './access-log.decorator';
export * from './access-log.interceptor';
export * from './access-log.module';
export * from './access-log.repository';
export * from './principal-subject';
