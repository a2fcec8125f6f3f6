import 'reflect-metadata';
import { authStaticPlugin } from '@strata/kernel';

/**
 * `use: auth-static` in a config: the kernel's StaticUserProvider bound
 * under USER_PROVIDER, which turns authentication on for every protocol.
 * The definition lives in the kernel (kernel/src/auth) so embedders can
 * use it without this package; this package only makes it loadable by name.
 */
export default authStaticPlugin;
export { authStaticOptions, StaticUserProvider, type StaticUser } from '@strata/kernel';
