export { StrataClient, type StrataClientOptions, type Transport, type QueryTransport, type CallOptions } from './strata-client.js';
export { StrataStreamWriter, type StreamWriterOptions } from './stream-writer.js';
export { StrataClientError, withRetries, isReadOnlySql, type RetryOptions } from './retry-policy.js';
export { toLineProtocol, toRowInsertRequest, planColumns, type TableRows, type Row, type CellValue, type ColumnType, type ColumnPlan } from './rows.js';
export { GREPTIME_DATABASE_PROTO, ARROW_FLIGHT_PROTO } from './client-protos.js';
export { encodeRowInsertRequests } from './row-encoder.js';
