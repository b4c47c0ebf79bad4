/**
 * Addresses a server names in EventRestoreConnection (BackupHost/Port, PrimaryHost/Port): read,
 * checked against the learned-address policy (address-policy.ts), and refused with a
 * protocolWarning when they must not be dialled.
 */
import { BackupAddressRefusedError } from '../errors.js';
import type { KVList } from '../protocol/attributes.js';
import { kvGet } from '../protocol/values.js';
import type { Endpoint } from '../transport/index.js';
import type { ProtocolWarning } from './types.js';
import { AddressPolicy, type AddressPolicyInput } from './address-policy.js';

/** Where refusals and a throwing policy predicate are reported. */
export interface AddressReports {
  gate: { warn(w: ProtocolWarning): void };
  reportHandlerError(name: string, err: unknown): void;
}

/** Reads a host/port pair from RestoreConnection's UserData; refuses what the address policy does not allow. */
export function acceptAddress(
  server: string,
  data: KVList | undefined,
  hostKey: string,
  portKey: string,
  options: AddressPolicyInput,
  report: AddressReports,
): Endpoint | undefined {
  if (!data) return undefined;
  const host = kvGet(data, hostKey);
  const port = kvGet(data, portKey);
  const policy = AddressPolicy.of(options);
  const verdict = policy.judge(host, port, hostKey, portKey);
  if (verdict.ok) return verdict.endpoint;
  if ('thrown' in verdict) report.reportHandlerError(policy.option, verdict.thrown);
  const err = new BackupAddressRefusedError(`${server} offered an address that was refused: ${verdict.problem}`, { host, port });
  report.gate.warn({ code: err.code, server, event: 'EventRestoreConnection', attribute: hostKey, detail: err.message });
  return undefined;
}
