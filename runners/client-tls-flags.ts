// The client commands' TLS flags (`--tls-ca/--tls-cert/--tls-key/--tls-servername`, docs/security.md),
// shared by `tsoracle get-ts ...` (cli.ts) and `tsoracle admin ...` (admin-cli.ts): the options,
// and the TLS client material they name, read from PEM files. Invariant: a file that cannot be
// read or a half pair (a cert without its key) is INVALID_CONFIG naming the flag, never a crash.
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { TsoError } from '../core/errors.js';
import type { TlsClientOptions } from '../drivers/node/transport.js';

/** The client commands' TLS flags (docs/security.md): speak TLS when any is given. */
export function clientTlsOption(flag: '--tls-ca' | '--tls-cert' | '--tls-key' | '--tls-servername'): Option {
  const help = {
    '--tls-ca': 'speak TLS, trusting this PEM CA (default with other --tls flags: the system roots)',
    '--tls-cert': 'present this PEM client certificate (mTLS; with --tls-key)',
    '--tls-key': 'the PEM private key of --tls-cert',
    '--tls-servername': 'the name the server certificate must carry (default: the host dialled)',
  }[flag];
  return new Option(`${flag} <${flag === '--tls-servername' ? 'name' : 'file'}>`, help);
}

/** `{ tls }` for createClient from the client TLS flags, or `{}`; INVALID_CONFIG for an unreadable file or a half pair. */
export function clientTlsFromFlags(flags: object): { tls?: TlsClientOptions } {
  const opts = flags as { tlsCa?: string; tlsCert?: string; tlsKey?: string; tlsServername?: string };
  if (opts.tlsCa === undefined && opts.tlsCert === undefined && opts.tlsKey === undefined && opts.tlsServername === undefined) return {};
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new TsoError('INVALID_CONFIG', '--tls-cert and --tls-key go together');
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new TsoError('INVALID_CONFIG', `${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  };
  return {
    tls: {
      ...(opts.tlsCa !== undefined ? { ca: read('--tls-ca', opts.tlsCa) } : {}),
      ...(opts.tlsCert !== undefined ? { cert: read('--tls-cert', opts.tlsCert) } : {}),
      ...(opts.tlsKey !== undefined ? { key: read('--tls-key', opts.tlsKey) } : {}),
      ...(opts.tlsServername !== undefined ? { servername: opts.tlsServername } : {}),
    },
  };
}

