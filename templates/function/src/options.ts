import { o, type Infer } from '@strata/kernel';

/** Options of the `__NAME__` function plugin (README.md has the table). */
export const __CAMEL_NAME__Options = o.object({
  prefix: o.string({
    default: '__SNAKE_NAME__',
    pattern: /^[a-z][a-z0-9_]*$/,
    description: 'SQL name prefix of the functions: `<prefix>_clamp` and `<prefix>_spread`.',
  }),
  clampNaN: o.enum(['null', 'keep'] as const, {
    default: 'null',
    description: "What `<prefix>_clamp` returns for a NaN input: SQL NULL ('null') or NaN ('keep').",
  }),
});

export type __PASCAL_NAME__Options = Infer<typeof __CAMEL_NAME__Options>;
