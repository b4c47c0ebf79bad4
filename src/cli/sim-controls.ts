/**
 * The commands `tlib sim` reads on standard input (or from `--script FILE`), one a line, each
 * echoed with what happened: a running simulator you can make ring, fail over and misbehave.
 * Kept apart from the process plumbing (sim.ts) so tests drive it directly.
 */
import type { KVList } from '../protocol/attributes.js';
import type { DialOutcomeName } from '../simulator/records.js';
import type { DialOutcomeSpec } from '../simulator/predictive.js';
import type { SwitchFacade } from '../simulator/facade.js';
import type { HotStandbyPair } from '../simulator/pair.js';
import type { TServerSimulator } from '../simulator/server.js';

export const SIM_COMMANDS_HELP = `commands (one a line; each is echoed with what happened, then what a client connected to the simulator sees):
  call <dn> [from <ani>] [data k=v ...]   a call from outside to <dn>; prints its ConnID.
                                          Clients on <dn>: EventRinging (OtherDN = the caller, UserData)
  answer <connid>                         the DN ringing answers. Clients on it: EventEstablished
  hangup <connid>                         the caller hangs up. Clients on the call: EventReleased
                                          (EventAbandoned where it waits, EventPartyDeleted in a conference)
  route <rp> [from <ani>] [data k=v ...]  a call waits at routing point <rp>. Its router: EventRouteRequest;
                                          a route to nowhere (null) or none in time sends it to the default
                                          destination (--route-default): EventRouteUsed, EventRinging there
  digits <connid> <keys>                  the caller presses keys (0-9 * # A-D). A RequestCollectDigits on
                                          the call answers with EventDigitsCollected; else they wait for one
  outcome <number> <what> [after <ms>]    what predictive calls to <number> meet: answer, machine, busy,
                                          noanswer, sit [8|11-16], fax, or clear. The dialer: EventEstablished
                                          then EventRouteRequest / EventQueued (answer, machine: CallState 0, 9),
                                          or EventReleased with the outcome's CallState (6, 7, 8-16, 17)
  wrapup <seconds>                        after-call work after each answered call (for agents whose login
                                          gives no WrapUpTime). Clients on the agent's DN: EventAgentNotReady
                                          (AgentWorkMode 3) before EventReleased, EventAgentReady at its end
  kill [server]                           abrupt death (default: the primary). Its clients lose their socket;
                                          the backup sends EventPrimaryChanged and becomes their active server
  restart [server]                        a killed server listens again, as backup when the other one runs:
                                          the primary sends EventRestoreConnection and clients open a standby
  switchover                              graceful: EventRestoreConnection (ServerRole 1) from the primary,
                                          EventPrimaryChanged from the backup; clients move to the new primary
  link up|down [server]                   the CTI link (default: the primary). Its clients:
                                          EventLinkConnected / EventLinkDisconnected (status().linkUp)
  freeze [off] [server]                   the server hangs: answers nothing, sends nothing, ADDP included.
                                          Clients: requests end in RequestTimeoutError; with ADDP on they
                                          declare it dead and reconnect (status() shows it); the pair does
                                          not fail over by itself (kill does)
  status                                  servers, roles, links, clients, calls, agents. Clients: nothing
  sleep <ms>                              wait (for scripts)
  help                                    this text
  quit                                    stop the simulator and exit. Clients lose their socket and reconnect
  [server] is a, b, a server's name (tserver-a), primary or backup. Lines starting with # are ignored.`;

/** The longest `sleep` accepted: a script must end. */
export const MAX_SLEEP_MS = 600_000;

/** What the commands act on: a hot-standby pair, or one server. */
export type SimTarget = { pair: HotStandbyPair } | { server: TServerSimulator };

/** The outcome of one line: text to print (after the echo), and whether to stop. */
export interface CommandResult {
  lines: string[];
  quit?: boolean;
}

/** A command the user got wrong: the message says how to write it. */
export class SimCommandError extends Error {
  override name = 'SimCommandError';
}

/** Splits a line into words; "double quotes" keep spaces (`data Queue="VIP Gold"`). */
export function splitWords(line: string): string[] {
  const unquote = (word: string) => word.replace(/"((?:[^"\\]|\\.)*)"/g, (_, q: string) => q.replace(/\\(.)/g, '$1'));
  return [...line.matchAll(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g)].map((m) => unquote(m[0]));
}

/** `call`'s words after the DN: `from <ani>` and `data k=v …`, in any order. */
export function parseCallArgs(words: readonly string[]): { from?: string; userData?: KVList } {
  let from: string | undefined;
  const userData: KVList = [];
  let inData = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === 'from') {
      if (i + 1 >= words.length) throw new SimCommandError('call: "from" needs a caller number, e.g. from 5551234');
      from = words[++i];
      inData = false;
    } else if (word === 'data') {
      inData = true;
    } else if (inData) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new SimCommandError(`call: user data must be key=value, got "${word}"`);
      userData.push([word.slice(0, eq), word.slice(eq + 1)]);
    } else {
      throw new SimCommandError(`call: unexpected "${word}" (usage: call <dn> [from <ani>] [data k=v ...])`);
    }
  }
  return { from, userData: userData.length > 0 ? userData : undefined };
}

/** What becomes of a call nobody routes at routing point `rp`. */
function defaultRoute(sw: SwitchFacade, rp: string): string {
  const dest = sw.shared.routingPoints.get(rp)?.defaultDestination ?? sw.shared.defaultRouteDestination;
  return dest !== undefined ? `; unrouted, it goes to ${dest}` : '; unrouted, it is released';
}

function servers(target: SimTarget): TServerSimulator[] {
  return 'pair' in target ? [target.pair.a, target.pair.b] : [target.server];
}

/** Where switch-side controls go: a pair acts through its current primary. */
function switchOf(target: SimTarget): SwitchFacade {
  return 'pair' in target ? target.pair : target.server;
}

function primaryOf(target: SimTarget): TServerSimulator {
  return 'pair' in target ? target.pair.primary : target.server;
}

/** Finds `[server]`: a, b, a name, primary, backup; default `fallback`. */
function pickServer(target: SimTarget, word: string | undefined, fallback: () => TServerSimulator): TServerSimulator {
  if (word === undefined) return fallback();
  const all = servers(target);
  const lower = word.toLowerCase();
  if (lower === 'primary') return primaryOf(target);
  if (lower === 'backup') {
    if (!('pair' in target)) throw new SimCommandError('there is no backup: start with --pair');
    return target.pair.backup;
  }
  const found = all.find((s, i) => s.name.toLowerCase() === lower || (lower === 'a' && i === 0) || (lower === 'b' && i === 1));
  if (!found) throw new SimCommandError(`no server "${word}" (servers: ${all.map((s) => s.name).join(', ')}, primary, backup)`);
  return found;
}

function serverLine(s: TServerSimulator): string {
  const where = s.isRunning ? s.url : 'stopped';
  return `${s.name}  ${where}  ${s.role}  link ${s.linkUp ? 'up' : 'down'}  ${s.clientCount} client(s)${s.isFrozen ? '  FROZEN' : ''}`;
}

function describeKv(list: KVList | undefined): string {
  return list && list.length > 0 ? ` data ${list.map(([k, v]) => `${k}=${String(v)}`).join(' ')}` : '';
}

/** `outcome`'s words after the number: what the far end does, a SIT's CallState, and `after <ms>`. */
export function parseOutcome(words: readonly string[]): DialOutcomeSpec | undefined {
  const usage = 'usage: outcome <number> answer|machine|busy|noanswer|sit [8|11-16]|fax|clear [after <ms>]';
  const [what, ...rest] = words;
  const names: Record<string, DialOutcomeName | 'clear'> = {
    answer: 'answer',
    machine: 'machine',
    busy: 'busy',
    noanswer: 'noAnswer',
    sit: 'sit',
    fax: 'fax',
    clear: 'clear',
  };
  const outcome = what === undefined ? undefined : names[what.toLowerCase()];
  if (outcome === undefined) throw new SimCommandError(usage);
  if (outcome === 'clear') {
    if (rest.length > 0) throw new SimCommandError(usage);
    return undefined;
  }
  let callState: number | undefined;
  let afterMs: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === 'after' && /^\d{1,7}$/.test(rest[i + 1] ?? '')) afterMs = Number(rest[++i]);
    else if (outcome === 'sit' && callState === undefined && /^\d{1,2}$/.test(word)) callState = Number(word);
    else throw new SimCommandError(usage);
  }
  return { outcome, afterMs, callState };
}

function onlyWords(words: readonly string[], max: number, usage: string): void {
  if (words.length > max) throw new SimCommandError(`usage: ${usage}`);
}

/**
 * Runs one command line against the simulator. Lines that fail return their error as text (a typo
 * never stops the simulator); only `quit` stops it.
 */
export async function runSimCommand(
  target: SimTarget,
  line: string,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<CommandResult> {
  const words = splitWords(line.trim());
  if (words.length === 0 || words[0].startsWith('#')) return { lines: [] };
  const [command, ...args] = words;
  try {
    return await execute(target, command.toLowerCase(), args, sleep);
  } catch (err) {
    return { lines: [`error: ${(err as Error).message}`] };
  }
}

async function execute(
  target: SimTarget,
  command: string,
  args: string[],
  sleep: (ms: number) => Promise<unknown>,
): Promise<CommandResult> {
  const pair = 'pair' in target ? target.pair : undefined;
  const needPair = (what: string): HotStandbyPair => {
    if (!pair) throw new SimCommandError(`${what} needs a hot-standby pair: start with --pair`);
    return pair;
  };
  switch (command) {
    case 'call':
    case 'route': {
      const [dn, ...rest] = args;
      if (dn === undefined)
        throw new SimCommandError(`usage: ${command} <${command === 'call' ? 'dn' : 'rp'}> [from <ani>] [data k=v ...]`);
      const options = parseCallArgs(rest);
      const sw = switchOf(target);
      const declared = command === 'route' && !sw.shared.routingPoints.has(dn);
      if (declared) sw.addRoutingPoint(dn);
      const connId = sw.placeCall(dn, options);
      const what =
        command === 'call'
          ? `rings on DN ${dn}`
          : `waits at routing point ${dn}${declared ? ' (declared now)' : ''} for a route (EventRouteRequest)`;
      return {
        lines: [
          `ConnID ${connId} ${what}${options.from ? ` from ${options.from}` : ''}${describeKv(options.userData)} (${primaryOf(target).name})${command === 'route' ? defaultRoute(sw, dn) : ''}`,
        ],
      };
    }
    case 'answer':
    case 'hangup': {
      onlyWords(args, 1, `${command} <connid>`);
      const [connId] = args;
      if (connId === undefined) throw new SimCommandError(`usage: ${command} <connid> (status lists the calls)`);
      const sw = switchOf(target);
      if (command === 'answer') sw.answerCall(connId);
      else sw.hangUp(connId);
      return {
        lines: [
          `call ${connId} ${command === 'answer' ? 'answered (EventEstablished)' : 'hung up by the caller'} on ${primaryOf(target).name}`,
        ],
      };
    }
    case 'digits': {
      onlyWords(args, 2, 'digits <connid> <keys>');
      const [connId, keys] = args;
      if (connId === undefined || keys === undefined) throw new SimCommandError('usage: digits <connid> <keys> (status lists the calls)');
      switchOf(target).enterDigits(connId, keys);
      return { lines: [`the caller of ${connId} pressed ${keys}`] };
    }
    case 'outcome': {
      const [number, ...rest] = args;
      if (number === undefined)
        throw new SimCommandError('usage: outcome <number> answer|machine|busy|noanswer|sit [8|11-16]|fax|clear [after <ms>]');
      const spec = parseOutcome(rest);
      switchOf(target).setDialOutcome(number, spec);
      if (spec === undefined) return { lines: [`predictive calls to ${number}: a person answers at once (the default)`] };
      const o = typeof spec === 'string' ? { outcome: spec } : spec;
      const when = o.afterMs ? ` after ${o.afterMs} ms` : ' at once';
      return {
        lines: [`predictive calls to ${number}: ${o.outcome}${o.callState !== undefined ? ` (CallState ${o.callState})` : ''}${when}`],
      };
    }
    case 'wrapup': {
      onlyWords(args, 1, 'wrapup <seconds>');
      const seconds = Number(args[0]);
      if (!/^\d{1,5}$/.test(args[0] ?? '')) throw new SimCommandError('usage: wrapup <seconds>, a whole number (0: none)');
      switchOf(target).setWrapUpTime(seconds);
      return { lines: [seconds === 0 ? 'no after-call work' : `after-call work: ${seconds} s after each answered call`] };
    }
    case 'kill': {
      onlyWords(args, 1, 'kill [server]');
      const victim = pickServer(target, args[0], () => primaryOf(target));
      if (!victim.isRunning) throw new SimCommandError(`${victim.name} is not running (restart brings it back)`);
      const wasPrimary = victim.role === 'primary';
      if (pair) await pair.kill(victim);
      else await victim.stop();
      const after = pair && wasPrimary && pair.primary.isRunning ? `; ${pair.primary.name} is primary now (EventPrimaryChanged)` : '';
      return { lines: [`${victim.name} killed${after}`] };
    }
    case 'restart': {
      onlyWords(args, 1, 'restart [server]');
      const stopped =
        args[0] === undefined ? servers(target).filter((s) => !s.isRunning) : [pickServer(target, args[0], () => primaryOf(target))];
      if (stopped.length === 0) throw new SimCommandError('nothing to restart: every server is running');
      const lines: string[] = [];
      for (const s of stopped) {
        if (s.isRunning) throw new SimCommandError(`${s.name} is running (kill it first)`);
        if (pair) await pair.restart(s);
        else await s.start();
        lines.push(`${s.name} listening again on ${s.url} as ${s.role}`);
      }
      return { lines };
    }
    case 'switchover': {
      onlyWords(args, 0, 'switchover');
      const p = needPair('switchover');
      const old = p.primary;
      await p.switchover();
      return { lines: [`${old.name} → backup, ${p.primary.name} → primary (EventPrimaryChanged)`] };
    }
    case 'link': {
      onlyWords(args, 2, 'link up|down [server]');
      const [state, which] = args;
      if (state !== 'up' && state !== 'down') throw new SimCommandError('usage: link up|down [server]');
      const server = pickServer(target, which, () => primaryOf(target));
      const changed = server.linkUp !== (state === 'up');
      server.setLink(state === 'up');
      return {
        lines: [`${server.name} CTI link ${state}${changed ? ` (EventLink${state === 'up' ? 'Connected' : 'Disconnected'})` : ' already'}`],
      };
    }
    case 'freeze':
    case 'unfreeze': {
      onlyWords(args, 2, 'freeze [off] [server]');
      const off = command === 'unfreeze' || args[0] === 'off';
      const server = pickServer(target, off && command === 'freeze' ? args[1] : args[0], () => primaryOf(target));
      server.freeze(!off);
      return {
        lines: [off ? `${server.name} answers again` : `${server.name} frozen: answers nothing, sends nothing (freeze off to resume)`],
      };
    }
    case 'status': {
      onlyWords(args, 0, 'status');
      const calls = switchOf(target)
        .listCalls()
        .map(
          (c) =>
            `call ${c.connId}  ${c.state}  to ${c.to}${c.from ? ` from ${c.from}` : ''}  parties ${c.parties.map((p) => `${p.dn}:${p.state}`).join(' ') || '-'}`,
        );
      const agents = switchOf(target)
        .listAgents()
        .map(
          (a) =>
            `agent ${a.agentId} on ${a.dn}  ${a.status}${a.wrapUpRemainingSec !== undefined ? ` (${a.wrapUpRemainingSec} s left)` : ''}${a.queues.length > 0 ? `  queues ${a.queues.join(' ')}` : ''}${a.busy ? '  on a call' : ''}`,
        );
      return { lines: [...servers(target).map(serverLine), ...(calls.length > 0 ? calls : ['no calls']), ...agents] };
    }
    case 'sleep': {
      onlyWords(args, 1, 'sleep <ms>');
      const ms = Number(args[0]);
      if (!/^\d+$/.test(args[0] ?? '') || ms > MAX_SLEEP_MS)
        throw new SimCommandError(`usage: sleep <ms>, ms a whole number up to ${MAX_SLEEP_MS}`);
      await sleep(ms);
      return { lines: [`slept ${ms} ms`] };
    }
    case 'help':
      return { lines: SIM_COMMANDS_HELP.split('\n') };
    case 'quit':
    case 'exit':
      return { lines: ['stopping'], quit: true };
    default:
      throw new SimCommandError(`unknown command "${command}" (help lists them)`);
  }
}
