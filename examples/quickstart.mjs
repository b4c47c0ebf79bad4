import { TServerConnection, TServerError, kvGet } from 'tlib-client';

const conn = new TServerConnection({
  primary: process.env.TSERVER_PRIMARY ?? '127.0.0.1:7000',
  backup: process.env.TSERVER_BACKUP ?? '127.0.0.1:7001',
  applicationName: 'my-desktop',
});

conn.on('EventRinging', (e) => {
  console.log(`${e.ThisDN} rings: call ${e.ConnID} from ${e.OtherDN}, queue ${kvGet(e.UserData, 'Queue')}`);
  conn
    .answerCall(e.ThisDN, e.ConnID)
    .then(() => conn.attachUserData(e.ThisDN, e.ConnID, { CaseID: 'CASE-1' }))
    .then(() => console.log(`call ${e.ConnID} answered, CaseID attached`))
    .catch((err) => console.error(`call ${e.ConnID}:`, err.message));
});
conn.on('EventPrimaryChanged', (e) => console.log(`the primary is now ${e.Server}`));
conn.on('resynced', (s) => console.log(`resynced: ${s.dns} DNs, ${s.calls} calls in ${s.durationMs} ms`));
conn.on('error', (err) => console.error(err.code, err.message));

await conn.open();
await conn.registerAddress('1001');
await conn.agentLogin('1001', 'agent-1').catch((err) => {
  if (!(err instanceof TServerError && err.errorCode === 56)) throw err; // 56: already logged in
});
await conn.agentReady('1001');
console.log(conn.state); // { status: 'open', active: '127.0.0.1:7000', standby: '127.0.0.1:7001', ... }
process.once('SIGINT', () => void conn.close());
