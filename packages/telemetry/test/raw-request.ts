import { connect } from 'node:net';

/**
 * Writes `bytes` to 127.0.0.1:`port` as they are (no client library to clean up the request line)
 * and resolves with everything the server sent back before it closed the connection.
 */
export function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('connect', () => socket.end(bytes));
  });
}
