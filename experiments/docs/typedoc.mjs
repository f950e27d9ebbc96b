// `npm run docs:api [-- OUT]`: HTML API docs of the public API (`import ... from 'gpulet'`,
// experiments/lib/api.ts) from its types and doc comments, by TypeDoc, into OUT (default docs/api/,
// not committed). Exits 1 on a TypeDoc warning or error (a broken link, an undocumented export).
import { register } from 'node:module';

register('./ts5-hook.mjs', import.meta.url);
const { Application, LogLevel } = await import('typedoc');

const out = process.argv[2] ?? 'docs/api';
const app = await Application.bootstrap({
  entryPoints: ['experiments/lib/api.ts'],
  tsconfig: 'tsconfig.json',
  name: 'gpulet',
  readme: 'none',
  excludePrivate: true,
  disableSources: true,
  excludeInternal: true,
  validation: { notExported: false, invalidLink: true, notDocumented: false },
  logLevel: LogLevel.Warn,
});
const project = await app.convert();
if (project === undefined) process.exit(1);
await app.generateDocs(project, out);
if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
console.log(`wrote ${out}/index.html`);
