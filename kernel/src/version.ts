/** The kernel's version, reported by `strata --version`, /status and build_info. */
export const KERNEL_VERSION = '0.1.0';
