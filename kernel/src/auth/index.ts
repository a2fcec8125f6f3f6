export * from './static-user-provider.js';
export * from './auth-static-plugin.js';
