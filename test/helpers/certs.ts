import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** A private CA, as a server's own CA would be (Supabase's prod-ca-2021.crt). */
  caCert: string;
  /** A server certificate the CA signs for localhost and 127.0.0.1. */
  serverKey: string;
  serverCert: string;
  /** A self-signed certificate for localhost: what an impostor can make. */
  impostorKey: string;
  impostorCert: string;
}

/** Certificates made by the openssl CLI in `dir`. */
export function makeCertificates(dir: string): TestCertificates {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = DNS:localhost, IP:127.0.0.1\n');
  ssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Backup Warden test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  ssl('req', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  ssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName = DNS:localhost, IP:127.0.0.1', '-keyout', 'impostor.key', '-out', 'impostor.crt');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { caCert: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), impostorKey: read('impostor.key'), impostorCert: read('impostor.crt') };
}
