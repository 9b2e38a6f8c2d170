// A minimal tsoracle.v1.TsoService client on @grpc/grpc-js and the same hand codecs as the
// server: one unary call per method, the answer or the status with its decoded leader hint. It is
// the bench's gRPC load generator and the in-process tests' client; it does no retries,
// coalescing or hint following (the native client library is the product; this is a probe).
//
// Invariant: a call settles exactly once, with the decoded response or the status; a
// `tsoracle-leader-hint-bin` trailer that does not decode is reported as `hintMalformed`.

import * as grpc from '@grpc/grpc-js';
import { LEADER_HINT_TRAILER, TSO_SERVICE_NAME, tsoServiceDefinition, type TsoRpcName } from './tso-grpc-server.js';
import { GrpcMessageError, LeaderHintCodec, type LeaderHint } from './tso-messages.js';

export type GrpcCallResult<Res> =
  | { readonly ok: true; readonly value: Res }
  | { readonly ok: false; readonly code: grpc.status; readonly details: string; readonly hint?: LeaderHint; readonly hintMalformed?: boolean; readonly metadata: grpc.Metadata };

/** TLS (the CA to trust, a client certificate for mTLS, the name to verify) and the token to send. */
export interface TsoGrpcClientSecurity {
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer; readonly servername?: string };
  /** Sent on every call as `authorization: Bearer <token>`. */
  readonly token?: string;
}

export class TsoGrpcClient {
  private readonly client: grpc.Client;
  private readonly definition = tsoServiceDefinition();

  /** `target` is a scheme-less host:port, as the original's endpoints and hints are. */
  constructor(
    readonly target: string,
    options: grpc.ChannelOptions = {},
    private readonly security: TsoGrpcClientSecurity = {},
  ) {
    const tls = security.tls;
    const toBuffer = (v: string | Buffer | undefined) => (v === undefined ? null : Buffer.from(v));
    const credentials = tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(toBuffer(tls.ca), toBuffer(tls.key), toBuffer(tls.cert));
    this.client = new grpc.Client(target, credentials, { ...(tls?.servername !== undefined ? { 'grpc.ssl_target_name_override': tls.servername } : {}), ...options });
  }

  call<Res>(method: TsoRpcName, request: unknown, options: { metadata?: Record<string, string>; deadlineMs?: number } = {}): Promise<GrpcCallResult<Res>> {
    const def = this.definition[method] as grpc.MethodDefinition<unknown, Res>;
    const metadata = new grpc.Metadata();
    if (this.security.token !== undefined) metadata.set('authorization', `Bearer ${this.security.token}`);
    for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        `/${TSO_SERVICE_NAME}/${method}`,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + (options.deadlineMs ?? 5_000) },
        (error: grpc.ServiceError | null, value?: Res) => {
          if (error === null) {
            resolve({ ok: true, value: value as Res });
            return;
          }
          const raw = error.metadata?.get(LEADER_HINT_TRAILER)[0];
          let hint: LeaderHint | undefined;
          let hintMalformed = false;
          if (raw instanceof Buffer) {
            try {
              hint = LeaderHintCodec.decode(raw);
            } catch (e) {
              if (!(e instanceof GrpcMessageError)) throw e;
              hintMalformed = true;
            }
          }
          resolve({
            ok: false,
            code: error.code,
            details: error.details,
            metadata: error.metadata ?? new grpc.Metadata(),
            ...(hint !== undefined ? { hint } : {}),
            ...(hintMalformed ? { hintMalformed } : {}),
          });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
