// A module resolution hook for experiments/docs/typedoc.mjs: `typescript` resolves to TypeScript 5.9
// (the devDependency typescript-5). TypeDoc needs TypeScript's JavaScript API, which TypeScript 7,
// what the project compiles with, does not have.
export async function resolve(specifier, context, next) {
  return next(specifier === 'typescript' ? 'typescript-5' : specifier, context);
}
