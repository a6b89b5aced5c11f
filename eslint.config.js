// The linter `npm test` runs: neostandard (the Fastify ecosystem's style) with its TypeScript rules.
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    // The project has no JSX; without this, neostandard adds React's rules and *.jsx files.
    noJsx: true,
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.tap/**',
      'bench/results/**',
      // Broken on purpose: the loader's test proves a handler that throws on import stops start-up,
      // so the code after its top-level throw is unreachable by design.
      'test/fixtures/handler-folders/throws-on-import/**'
    ]
  }),
  {
    name: 'project/type-imports',
    files: ['**/*.ts'],
    rules: {
      // With `verbatimModuleSyntax`, TypeScript emits every import not marked `type`: an import of
      // a type alone would load its module at run time (or fail, when the module exports no value).
      // `import type` says what is erased; the fix splits mixed imports into two statements.
      '@typescript-eslint/consistent-type-imports': ['error', {
        prefer: 'type-imports',
        fixStyle: 'separate-type-imports'
      }],
      // `import { type A } from 'x'` still leaves `import 'x'` in the output; `import type` does not.
      '@typescript-eslint/no-import-type-side-effects': 'error'
    }
  },
  {
    name: 'project/void-statements',
    rules: {
      // `void promise` as a statement is TypeScript's mark for a promise (or a thenable, such as
      // Fastify's reply) left unawaited on purpose; neostandard's `no-void` would forbid the mark
      // and leave such calls indistinguishable from a forgotten await. `void` inside an expression
      // stays an error.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    name: 'project/type-tests',
    files: ['test/types/**'],
    rules: {
      // The type tests read a value only for tsc to check its type, and discard it with
      // `return void value` so the handler still returns Promise<void>: the line after each
      // @ts-expect-error must stay one expression.
      'no-void': 'off'
    }
  }
]
