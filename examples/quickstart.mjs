import { TServerConnection, TServerError, kvGet } from 'tlib-client';

const conn = new TServerConnection({
  primary: process.env.TSERVER_PRIMARY ?? '127.0.0.1:7000',
  backup: process.env.TSERVER_BACKUP ?? '127.0.0.1:7001',
  applicationName: 'my-desktop',
});

// What the connection goes through: the wait for a server, losses, failovers, reconnects.
void (async () => {
  for await (const s of conn.status()) {
    if (s.type === 'connecting' && s.error) console.log(`no T-Server yet (attempt ${s.attempt}): ${s.error.message}`);
    if (s.type === 'disconnect') console.log(`lost ${s.server}`);
    if (s.type === 'failover') console.log(`requests go to ${s.to} now (${s.cause})`);
    if (s.type === 'reconnecting' && s.error) console.log(`reconnect attempt ${s.attempt}: ${s.error.message}`);
  }
})();
let standby = conn.state.standby;
conn.on('stateChange', (s) => {
  if (s.standby !== standby) console.log(`standby: ${(standby = s.standby) ?? 'none'}`);
});
conn.on('EventPrimaryChanged', (e) => console.log(`the primary is now ${e.Server}`));
conn.on('EventLinkDisconnected', (e) => console.log(`${e.Server}: CTI link down`));
conn.on('EventLinkConnected', (e) => console.log(`${e.Server}: CTI link up`));
conn.on('resynced', (s) => console.log(`resynced: ${s.dns} DNs, ${s.calls} calls in ${s.durationMs} ms`));
conn.on('EventRinging', (e) => {
  console.log(`${e.ThisDN} rings: call ${e.ConnID} from ${e.OtherDN}, queue ${kvGet(e.UserData, 'Queue')}`);
  conn
    .answerCall(e.ThisDN, e.ConnID)
    .then(() => conn.attachUserData(e.ThisDN, e.ConnID, { CaseID: 'CASE-1' }))
    .then(() => console.log(`call ${e.ConnID} answered, CaseID attached`))
    .catch((err) => console.error(`call ${e.ConnID}:`, err.message));
});
conn.on('error', (err) => console.error(err.code, err.message));

await conn.open({ retry: true }); // waits for a server of the pair, however long it takes
await conn.registerAddress('1001');
await conn.agentLogin('1001', 'agent-1').catch((err) => {
  if (!(err instanceof TServerError && err.errorCode === 56)) throw err; // 56: already logged in
});
await conn.agentReady('1001');
console.log(conn.state); // { status: 'open', active: '127.0.0.1:7000', standby: '127.0.0.1:7001', ... }
process.once('SIGINT', () => void conn.close());
