// auth-static raises the kernel's AuthError (USER_NOT_FOUND 7000, USER_PASSWORD_MISMATCH 7002)
// and InvalidArgumentsError for a bad user list; it defines no errors of its own.
export { AuthError, InvalidArgumentsError } from '@strata/kernel';
