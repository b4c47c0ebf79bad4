/**
 * Addresses a server names in EventRestoreConnection (BackupHost/Port, PrimaryHost/Port): read,
 * checked, and refused with a protocolWarning when they must not be dialled.
 */
import { BackupAddressRefusedError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import type { Endpoint } from '../transport/index.js';
import type { ProtocolWarning } from './types.js';
import { endpointName, isValidHost, isValidPort, type ResolvedOptions } from './options.js';

/** Where refusals and a throwing allowedBackupHosts are reported. */
export interface AddressReports {
  gate: { warn(w: ProtocolWarning): void };
  reportHandlerError(name: string, err: unknown): void;
}

/** Reads a host/port pair from RestoreConnection's UserData; refuses what it must not dial. */
export function acceptAddress(
  server: string,
  data: KVList | undefined,
  hostKey: string,
  portKey: string,
  options: Pick<ResolvedOptions, 'allowedBackupHosts'>,
  report: AddressReports,
): Endpoint | undefined {
  if (!data) return undefined;
  const host = kvGet(data, hostKey);
  const rawPort = kvGet(data, portKey);
  const port = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
  let problem: string | undefined;
  if (!isValidHost(host)) problem = `${hostKey} ${JSON.stringify(host)} is not a valid host`;
  else if (!isValidPort(port)) problem = `${portKey} ${JSON.stringify(port)} is not a valid port (1–65535)`;
  else if (options.allowedBackupHosts) {
    let allowed = false;
    try {
      allowed = options.allowedBackupHosts(host, port) === true;
    } catch (err) {
      report.reportHandlerError('allowedBackupHosts', err);
    }
    if (!allowed) problem = `${hostKey} ${host} is not allowed by allowedBackupHosts`;
  }
  if (problem) {
    const err = new BackupAddressRefusedError(`${server} offered an address that was refused: ${problem}`, { host, port });
    report.gate.warn({ code: err.code, server, event: 'EventRestoreConnection', attribute: hostKey, detail: err.message });
    return undefined;
  }
  return { host: host as string, port: port as number, name: endpointName(host as string, port as number) };
}
