import { o, type Infer } from '@strata/kernel';

/** Options of the `functions-example` plugin (README.md has the table). */
export const functionsExampleOptions = o.object({
  prefix: o.string({
    default: '',
    pattern: /^([a-z][a-z0-9_]*)?$/,
    description: "Prepended to every SQL function name (e.g. 'ex_' gives ex_clip); empty keeps the plain names.",
  }),
  emaAlpha: o.number({
    default: 0.5, min: Number.MIN_VALUE, max: 1,
    description: 'Smoothing factor of ema(x) when the call gives none (0 < alpha <= 1).',
  }),
});

export type FunctionsExampleOptions = Infer<typeof functionsExampleOptions>;
