/** Test and benchmark helpers: the synthetic health-system generator (BENCH), scenario loader (RULES), infrastructure helpers (INFRA). */
export * from './generator';
