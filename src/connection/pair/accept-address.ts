/**
 * Addresses a server names in EventRestoreConnection (BackupHost/Port, PrimaryHost/Port): read,
 * checked against the learned-address policy (address-policy.ts), and refused with a
 * protocolWarning when they must not be dialled.
 */
import { BackupAddressRefusedError } from '../../errors.js';
import { type KVList, ServerRole } from '../../protocol/attributes.js';
import { kvGet } from '../../protocol/values.js';
import type { Endpoint } from '../../transport/index.js';
import type { ProtocolWarning } from '../types.js';
import { AddressPolicy, type AddressPolicyInput } from './address-policy.js';
import type { PairInput, PairRole } from './types.js';

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

/**
 * EventRestoreConnection as an input of the pair machine: the role it claims (a ServerRole other
 * than 0/1 is a warning), and the partner address it names when the policy accepts it. A claim
 * older than `roleSeq` (the pair's watermark) is stale: its address is not even checked.
 */
export function restoreConnectionInput(
  session: { id: number; name: string },
  attrs: Record<string, unknown>,
  roleSeq: number,
  options: AddressPolicyInput,
  report: AddressReports,
): PairInput {
  const raw = attrs.ServerRole;
  const role: PairRole | undefined = raw === ServerRole.Primary ? 'primary' : raw === ServerRole.Backup ? 'backup' : undefined;
  const seq = typeof attrs.EventSequenceNumber === 'number' ? attrs.EventSequenceNumber : undefined;
  const stale = role !== undefined && seq !== undefined && seq < roleSeq;
  let named: Endpoint | undefined;
  if (!stale && role !== undefined) {
    const data = Array.isArray(attrs.UserData) ? (attrs.UserData as KVList) : undefined;
    const [hostKey, portKey] = role === 'primary' ? ['BackupHost', 'BackupPort'] : ['PrimaryHost', 'PrimaryPort'];
    named = acceptAddress(session.name, data, hostKey, portKey, options, report);
  }
  if (role === undefined) {
    report.gate.warn({
      code: 'ERR_BAD_VALUE',
      server: session.name,
      event: 'EventRestoreConnection',
      attribute: 'ServerRole',
      detail: `ServerRole ${String(raw)} is neither 0 nor 1`,
    });
  }
  return { kind: 'restoreConnection', session: session.id, role, seq, named };
}
