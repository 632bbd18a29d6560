/**
 * The etcd3 client as the ledger uses it: every unary call has a deadline, TCP keepalive
 * detects dead members, and the client's default fault handling is replaced.
 *
 * Why: etcd3's default host policy is a circuit breaker that blocks a member for 5 s after
 * 3 consecutive "recoverable" errors, and the watch reconnect backoff grows to 30 s. During a
 * leader election the surviving members answer "etcdserver: no leader" / "leader changed"
 * (gRPC UNAVAILABLE, which etcd3 counts as a host failure), so the breakers of healthy
 * members open too and every call fails with BrokenCircuitError for seconds after the new
 * leader is up. Here a member is blocked only for connection-level failures and only for
 * 500 ms, cluster-level errors are retried with a short exponential backoff on another
 * member, and watches reconnect within a second. Callers that must not give up (submit,
 * subscribe) loop on `isTransientEtcdError` with their own deadline.
 */
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, retry, type IBackoff } from 'cockatiel';
import { Etcd3, GRPCUnavailableError, isRecoverableError, type IOptions } from 'etcd3';

export interface EtcdConnectionOptions {
  /** Client URLs of the members, `http://host:2379` or `https://host:2379` (all alike). */
  readonly endpoints: readonly string[];
  /** TLS: CA of the members' certificates; client certificate and key for mutual TLS. */
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** etcd user (etcd `auth enable`); the password is exchanged for a token by the client. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Deadline of one unary call in ms (default 3000). */
  readonly callTimeoutMs?: number;
}

/** Largest gRPC message the client accepts (watch responses carry whole batches). */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024;

export function checkEndpoints(endpoints: readonly string[]): void {
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new RangeError('etcd: at least one endpoint URL (http://host:port) expected');
  for (const url of endpoints) {
    if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+:\d+\/?$/.test(url)) throw new RangeError(`etcd: endpoint ${JSON.stringify(url)} is not http(s)://host:port`);
  }
  const secure = endpoints.filter((u) => u.startsWith('https:')).length;
  if (secure !== 0 && secure !== endpoints.length) throw new RangeError('etcd: mix of http and https endpoints');
}

/** Splits the CLI form `URL[,URL...]`. */
export function parseEndpoints(list: string): string[] {
  const endpoints = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  checkEndpoints(endpoints);
  return endpoints;
}

/**
 * Only a failed connection blocks a member. "etcdserver: ..." errors come from a member that
 * is up, and a deadline exceeded during an election means the member waits for a leader
 * like every other one: blocking it would only delay the first write after the election.
 */
function isConnectionFailure(error: Error): boolean {
  return error instanceof GRPCUnavailableError && !/etcdserver:/.test(error.message);
}

/**
 * True for failures that a later attempt may not see: member down, no leader, leader
 * changed, deadline exceeded, all members briefly blocked. A write that failed this way may
 * still have been committed, so only idempotent writes are retried on it.
 */
export function isTransientEtcdError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return isRecoverableError(error) || isBrokenCircuitError(error) || /etcdserver: (request timed out|leader changed|no leader|too many requests)/.test(error.message);
}

export function createEtcdClient(options: EtcdConnectionOptions): Etcd3 {
  checkEndpoints(options.endpoints);
  const callTimeoutMs = options.callTimeoutMs ?? 3000;
  const config: IOptions = {
    hosts: [...options.endpoints],
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    grpcOptions: {
      'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    },
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isConnectionFailure), { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(2) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 250 }) }),
      // etcd3 calls `.next()` on this to get the first delay: it wants the factory, despite its type.
      watchBackoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) as unknown as IBackoff<unknown>,
    },
  };
  if (options.tls) config.credentials = { rootCertificate: options.tls.ca, ...(options.tls.key ? { privateKey: options.tls.key } : {}), ...(options.tls.cert ? { certChain: options.tls.cert } : {}) };
  if (options.auth) config.auth = { username: options.auth.username, password: options.auth.password };
  return new Etcd3(config);
}
