import { StatusCode, StrataError } from '@strata/kernel';

/** A trigger of that name exists already (create it with replace to overwrite it). */
export class TriggerExistsError extends StrataError {
  constructor(readonly database: string, readonly trigger: string) {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, `Trigger already exists: ${database}.${trigger}`, { origin: 'input' });
  }
}

/** No enabled request trigger serves `/v1/engine/<path>`; HTTP answers 404. */
export class EngineEndpointNotFoundError extends StrataError {
  readonly httpStatus = 404;
  constructor(readonly path: string, detail = 'no request trigger serves it') {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, `Not found: /v1/engine/${path} (${detail})`, { origin: 'input' });
  }
}
