// The options schema lives with the definition in the kernel (kernel/src/auth/auth-static-plugin.ts).
export { authStaticOptions } from '@strata/kernel';
