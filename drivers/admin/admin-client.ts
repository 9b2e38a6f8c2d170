// A tsoracle.admin.v1.MembershipAdmin client on @grpc/grpc-js and the admin codecs: one unary call
// per method, the decoded answer or the gRPC status. The CLI (`tsoracle admin ...`) follows one
// NOT_LEADER redirect with it, as the original's admin CLI does. With `tls` it speaks TLS: it
// trusts `ca` (else the system roots), presents `cert`/`key` when given (an admin port with
// --tls-ca requires it), and checks the server certificate against `servername` when given.
import * as grpc from '@grpc/grpc-js';
import type { TlsClientOptions } from '../node/transport.js';
import { ADMIN_SERVICE_NAME, type AdminRpcName } from './admin-messages.js';
import { adminServiceDefinition } from './admin-server.js';

export type AdminCallResult<Res> = { readonly ok: true; readonly value: Res } | { readonly ok: false; readonly code: grpc.status; readonly details: string };

export class AdminClient {
  private readonly client: grpc.Client;
  private readonly definition = adminServiceDefinition();

  constructor(
    readonly target: string,
    tls?: TlsClientOptions,
  ) {
    const buffer = (v: string | Buffer | undefined): Buffer | null => (v === undefined ? null : Buffer.from(v));
    const credentials = tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(buffer(tls.ca), buffer(tls.key), buffer(tls.cert));
    this.client = new grpc.Client(target, credentials, tls?.servername !== undefined ? { 'grpc.ssl_target_name_override': tls.servername } : {});
  }

  call<Res>(method: AdminRpcName, request: unknown, deadlineMs = 10_000): Promise<AdminCallResult<Res>> {
    const def = this.definition[method] as grpc.MethodDefinition<unknown, Res>;
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        `/${ADMIN_SERVICE_NAME}/${method}`,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, value?: Res) => {
          if (error === null) resolve({ ok: true, value: value as Res });
          else resolve({ ok: false, code: error.code, details: error.details });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
