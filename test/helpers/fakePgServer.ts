import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * A server that speaks just enough of the PostgreSQL protocol to pose as a database: it accepts TLS
 * with whatever certificate it is given, then asks for the password in cleartext (or as MD5) and keeps
 * every password message it receives. What a client sends it is what an impostor would get.
 */
export interface FakePgServer {
  port: number;
  /** Password messages received (cleartext passwords or MD5 hashes). */
  received: string[];
  /** Connections that got as far as the startup message (past TLS). */
  startups: number;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startFakePgServer(options: { key: string; cert: string; ask: 'cleartext' | 'md5' }): Promise<FakePgServer> {
  const received: string[] = [];
  const state = { startups: 0 };
  const sockets = new Set<Socket>();
  const serve = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let stream: Socket = socket;
    let phase: 'negotiate' | 'startup' | 'auth' = 'negotiate';
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (phase === 'negotiate' || phase === 'startup') {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (phase === 'negotiate' && code === GSSENC_REQUEST) {
            stream.write('N');
            continue;
          }
          if (phase === 'negotiate' && code === SSL_REQUEST) {
            socket.removeListener('data', onData);
            socket.write('S');
            const tls = new TLSSocket(socket, { isServer: true, key: options.key, cert: options.cert });
            tls.on('error', () => undefined);
            tls.on('data', onData);
            stream = tls as unknown as Socket;
            phase = 'startup';
            continue;
          }
          // The startup message: ask for the password.
          state.startups++;
          phase = 'auth';
          stream.write(
            options.ask === 'cleartext'
              ? Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])
              : Buffer.concat([Buffer.from([0x52, 0, 0, 0, 12, 0, 0, 0, 5]), Buffer.from([1, 2, 3, 4])]),
          );
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        if (buffer[0] === 0x70) received.push(buffer.subarray(5, 1 + length).toString('utf8').replace(/\0$/, ''));
        buffer = buffer.subarray(1 + length);
        stream.end();
        return;
      }
    };
    socket.on('data', onData);
  };
  const server: Server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    get startups() {
      return state.startups;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
