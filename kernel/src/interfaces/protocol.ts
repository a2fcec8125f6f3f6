/** Where a protocol server listens. */
export interface ListenAddress {
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  /** e.g. `http://127.0.0.1:4000` or `mysql://127.0.0.1:4002`. */
  readonly url: string;
  readonly tls: boolean;
}

/**
 * A protocol server bound to a port, turning requests into kernel calls
 * (QueryService, Catalog, Session). Provided under the multi token
 * PROTOCOL, so a server may run any number of them. The owning plugin's
 * start/stop hooks open and close the listener; `stop` drains: it stops
 * accepting, lets in-flight requests finish up to a deadline, then closes.
 *
 * @example
 * ctx.bind(PROTOCOL, { name: 'http', addresses: () => [addr], connections: () => n });
 */
export interface ProtocolServer {
  readonly name: string;
  /** Addresses it listens on (empty before start). */
  addresses(): ListenAddress[];
  /** Open connections right now, for /status and shutdown logs. */
  connections(): number;
}
