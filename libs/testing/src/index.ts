/** Test and benchmark helpers: the synthetic health-system generator (BENCH), scenario loader (RULES), infrastructure helpers (INFRA). */
export * from './generator';
export * from './scenario-loader';
export * from './scenario-compare';
