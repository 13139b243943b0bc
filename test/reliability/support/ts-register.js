'use strict';
/**
 * Lets a child process run the TypeScript sources directly (`node -r ./ts-register.js apps/x/src/main.ts`),
 * the way Jest does (@swc/core, decorator metadata, `@careledger/*` path aliases), so that fault tests
 * can SIGKILL and restart real app processes without depending on a fresh `dist/` build that other
 * engineers' in-progress files might break.
 */
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const ROOT = path.resolve(__dirname, '..', '..', '..');
require(path.join(ROOT, 'node_modules', 'reflect-metadata'));

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  const m = /^@careledger\/([a-z-]+)(?:\/(.*))?$/.exec(request);
  if (m) request = path.join(ROOT, 'libs', m[1], 'src', m[2] ?? '');
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
