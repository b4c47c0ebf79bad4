/** A `host:port` from a command line (the CLI and the examples): never the library's `{ host, port }` form. */
import { parseEndpoint } from '../transport/endpoint.js';

/** Checks `--flag host:port`; throws an Error whose message names the flag and shows the form. */
export function checkHostPort(value: string, flag: string): void {
  if (!/^(\[[^\]]+\]|[^:[\]]+):\d+$/.test(value)) {
    throw new Error(`${flag} must be 'host:port' (e.g. 127.0.0.1:7000, [::1]:7000), got ${JSON.stringify(value)}`);
  }
  parseEndpoint(value, flag); // the host and port themselves: "--primary: invalid port 70000 (1–65535)"
}
