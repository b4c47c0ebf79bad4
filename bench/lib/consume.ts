/**
 * What a desktop reads from each event, applied on BOTH sides of every comparison: the event name,
 * ThisDN, ConnID, the parties (OtherDN, ThirdPartyDN), AgentID, the sequence number and every key
 * and value of UserData. A decoder that skips work (lazily) still pays for what users read, so it
 * cannot win by decoding nothing. Returns a number the caller sinks, so nothing is optimised away.
 */
export type Consumer = (name: string, e: Record<string, unknown>) => number;

export function consume(name: string, e: Record<string, unknown>): number {
  let n = name.length;
  const fields = [e.ThisDN, e.ConnID, e.OtherDN, e.ThirdPartyDN, e.AgentID];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (typeof f === 'string') n += f.length;
  }
  const seq = e.EventSequenceNumber;
  if (typeof seq === 'number') n += seq & 7;
  const ud = e.UserData;
  if (Array.isArray(ud)) {
    for (let i = 0; i < ud.length; i++) {
      const pair = ud[i] as [string, unknown];
      n += pair[0].length;
      const v = pair[1];
      n += typeof v === 'string' ? v.length : typeof v === 'number' ? v & 7 : 1;
    }
  }
  return n;
}

/**
 * A separate copy of consume() for each candidate: V8 keeps type feedback per function, so one
 * shared consumer would see every candidate's object shapes and slow all of them down alike
 * (an application sees only one kind of object).
 */
export function freshConsumer(): Consumer {
  return new Function(`return (${consume.toString()})`)() as Consumer;
}
