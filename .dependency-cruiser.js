/**
 * Layer rules (ARCHITECTURE.md "Layout"): the domain stays pure, adapters never reach into apps,
 * and apps never import each other. `npm run depcruise` fails on any violation.
 */
const FRAMEWORKS =
  '^(@nestjs|typeorm|pg|pg-[a-z-]+|kafkajs|class-validator|class-transformer|express|jose|pino|nestjs-pino)(/|$)';
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain imports no framework, driver or I/O module; time and ids arrive as inputs.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: {
        path: [
          `node_modules/${FRAMEWORKS.slice(1)}`,
          '^(http|https|net|child_process|fs/promises|node:http|node:net|node:child_process)$',
        ],
      },
    },
    {
      name: 'domain-imports-only-domain-libs',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { path: '^(libs/(?!domain/)|apps/)' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$|\\.int-spec\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'default'] },
  },
};
