// @ts-nocheck: a page script, run by the browser; the project's tsconfig has no DOM library (the SDK is typed in src/browser).
// The page's script: plain JavaScript, no framework. It binds the screen to GatewayConnection's
// state (conn.calls, conn.dns) and events, and each button to one helper — the same helpers a
// Node desktop calls on TServerConnection.
import { GatewayConnection } from './tlib-browser.js';

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token') ?? '';
const conn = new GatewayConnection(`ws://${location.host}/tlib`, { token });
/** What each consultation is for: consultation ConnID → { held, kind }. */
const consults = new Map();
let dn;

function log(line) {
  $('log').textContent = `${new Date().toLocaleTimeString()} ${line}\n${$('log').textContent}`.slice(0, 4000);
}

function show(error) {
  $('error').textContent = error ? `${error.name} (${error.code}): ${error.message}` : '';
}

/** Runs one helper; its error goes on the page. */
async function act(what, fn) {
  show();
  try {
    const answer = await fn();
    log(`${what}: ${answer.Event}`);
  } catch (error) {
    show(error);
    log(`${what} failed: ${error.code}`);
  }
}

function button(label, action, onClick) {
  const b = document.createElement('button');
  b.textContent = label;
  b.dataset.action = action;
  b.addEventListener('click', onClick);
  return b;
}

function renderAgent() {
  const view = dn && conn.dns.get(dn);
  $('agent-status').textContent = view ? view.agent.status : '…';
}

function renderCalls() {
  const list = $('calls');
  list.replaceChildren();
  if (conn.calls.size === 0) list.innerHTML = '<em>No calls.</em>';
  for (const call of conn.calls.values()) {
    const state = call.parties[dn] ?? 'gone';
    const row = document.createElement('div');
    row.className = 'call';
    row.dataset.connid = call.connId;
    row.dataset.state = state;
    const label = document.createElement('span');
    label.className = 'state';
    label.textContent = state;
    const who = document.createElement('span');
    // Who is at the other end: the other DNs on the call (a consultation's target), else the caller.
    who.textContent = `${call.connId} ${call.otherParties.length > 0 ? call.otherParties.join(', ') : (call.ani ?? '')}`;
    row.append(label, who);
    const id = call.connId;
    const target = () => $('target').value.trim();
    if (state === 'ringing') row.append(button('Answer', 'answer', () => act('answer', () => conn.answerCall(dn, id))));
    if (state === 'established') {
      row.append(button('Hold', 'hold', () => act('hold', () => conn.holdCall(dn, id))));
      row.append(
        button('Transfer', 'transfer', () =>
          act('transfer', async () => {
            const dialing = await conn.initiateTransfer(dn, id, target());
            consults.set(dialing.ConnID, { held: id, kind: 'transfer' });
            renderCalls(); // the consultation's row was drawn before its answer came: now it can complete
            return dialing;
          }),
        ),
      );
      row.append(
        button('Conference', 'conference', () =>
          act('conference', async () => {
            const dialing = await conn.initiateConference(dn, id, target());
            consults.set(dialing.ConnID, { held: id, kind: 'conference' });
            renderCalls(); // the consultation's row was drawn before its answer came: now it can complete
            return dialing;
          }),
        ),
      );
    }
    if (state === 'held') row.append(button('Retrieve', 'retrieve', () => act('retrieve', () => conn.retrieveCall(dn, id))));
    // A transfer or conference completes once the target answers, or while it still rings.
    const consult = consults.get(id);
    if (consult && (state === 'established' || state === 'dialing')) {
      const complete =
        consult.kind === 'transfer'
          ? () => conn.completeTransfer(dn, consult.held, id)
          : () => conn.completeConference(dn, consult.held, id);
      row.append(button(`Complete ${consult.kind}`, 'complete', () => act(`complete ${consult.kind}`, complete)));
    }
    if (state !== 'gone') row.append(button('Release', 'release', () => act('release', () => conn.releaseCall(dn, id))));
    list.append(row);
  }
}

conn.on('stateChange', (state) => {
  $('status').textContent = state.status;
  $('status').dataset.status = state.status;
});
conn.on('serverState', (server) => ($('server').textContent = `T-Server: ${server.status}, link ${server.linkUp ? 'up' : 'down'}`));
conn.on('snapshot', ({ fresh }) => {
  dn = conn.state.grant.dns[0];
  $('dn').textContent = dn;
  $('server').textContent = `T-Server: ${conn.state.server?.status}`;
  log(fresh ? 'new session: snapshot' : 'snapshot after a gap');
  renderAgent();
  renderCalls();
});
conn.on('callChanged', renderCalls);
conn.on('callEnded', (call) => {
  consults.delete(call.connId);
  renderCalls();
});
conn.on('dnChanged', renderAgent);
conn.on('event', (e) => log(e.Event));
conn.on('resynced', (s) => log(`resynced: ${s.calls} calls, ${s.corrections.length} corrections`));
conn.on('error', (error) => show(error));

document
  .querySelector('[data-action="login"]')
  .addEventListener('click', () => act('login', () => conn.agentLogin(dn, conn.state.grant.agentIds[0])));
document.querySelector('[data-action="ready"]').addEventListener('click', () => act('ready', () => conn.agentReady(dn)));
document
  .querySelector('[data-action="not-ready"]')
  .addEventListener('click', () => act('not ready', () => conn.agentNotReady(dn, { reasons: [['ReasonCode', $('reason').value]] })));

conn.open().catch((error) => show(error));
