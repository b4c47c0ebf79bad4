/** Shared by the tlib command's tests. */
import type { TServerSimulator } from '../../src/simulator/index.js';

/** Resolves when `server` has no client left (a client's close reaches the server a little after the client closed). */
export function noClients(server: TServerSimulator): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (server.clientCount > 0) return;
      server.off('clientClosed', check);
      resolve();
    };
    server.on('clientClosed', check);
    check();
  });
}
