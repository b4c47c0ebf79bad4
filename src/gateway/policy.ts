/**
 * What a browser session may ask of the shared T-Server connection. Checked before anything is
 * sent: a refusal is an ERR_GATEWAY_FORBIDDEN answer and a log line, never a request.
 *
 * - Registrations, the input mask and transaction monitoring belong to the gateway (every session
 *   shares one connection): a browser never sends them.
 * - `ThisDN`, when given, must be a granted DN; `AgentID`, when given, a granted agent id.
 * - Supervision requests name a second DN (`OtherDN`, the agent watched): it must be granted too.
 * - A request without `ThisDN` about a call (`ConnID`) must name a call the session sees.
 * - Server-wide queries (server, switch, location) carry nothing of any agent's: allowed.
 * - Anything else without `ThisDN` is refused.
 */
export const GATEWAY_ONLY_REQUESTS: ReadonlySet<string> = new Set([
  'RequestRegisterClient',
  'RequestRegisterAddress',
  'RequestUnregisterAddress',
  'RequestSetInputMask',
  'RequestTransactionMonitoring',
]);
const SERVER_QUERIES: ReadonlySet<string> = new Set(['RequestQueryServer', 'RequestQuerySwitch', 'RequestQueryLocation']);
const SUPERVISION: ReadonlySet<string> = new Set([
  'RequestMonitorNextCall',
  'RequestCancelMonitoring',
  'RequestListenDisconnect',
  'RequestListenReconnect',
]);

/** A value from the browser, as a refusal quotes it: at most 64 characters (refusals are logged). */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

export interface SessionGrant {
  readonly dns: ReadonlySet<string>;
  readonly agentIds: ReadonlySet<string>;
}

export interface Refusal {
  readonly reason: string;
  readonly dn?: string;
}

/** undefined when the session may send `name` with `args`; else why not. */
export function checkRequest(
  name: string,
  args: Readonly<Record<string, unknown>>,
  grant: SessionGrant,
  seesCall: (connId: string) => boolean,
): Refusal | undefined {
  if (GATEWAY_ONLY_REQUESTS.has(name)) return { reason: `${name} is managed by the gateway` };
  const dn = args.ThisDN;
  if (dn !== undefined && !(typeof dn === 'string' && grant.dns.has(dn))) {
    return { reason: `${name} on DN ${show(dn)}, which this session was not granted`, dn: show(dn) };
  }
  const agentId = args.AgentID;
  if (agentId !== undefined && !(typeof agentId === 'string' && grant.agentIds.has(agentId))) {
    return { reason: `${name} with AgentID ${show(agentId)}, which this session was not granted` };
  }
  if (SUPERVISION.has(name)) {
    const other = args.OtherDN;
    if (!(typeof other === 'string' && grant.dns.has(other))) {
      return { reason: `${name} of DN ${show(other)}, which this session was not granted`, dn: show(other) };
    }
  }
  if (dn !== undefined || SERVER_QUERIES.has(name)) return undefined;
  const connId = args.ConnID;
  if (typeof connId === 'string') {
    return seesCall(connId) ? undefined : { reason: `${name} on call ${show(connId)}, which is on none of this session's DNs` };
  }
  return { reason: `${name} without ThisDN: a session acts only on its granted DNs` };
}
