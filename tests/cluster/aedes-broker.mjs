// SPDX-License-Identifier: MIT
// aedes-broker.mjs PORT USER PASSWORD: an Aedes MQTT broker (MQTT 3.1.1 only:
// it answers an MQTT 5 CONNECT with CONNACK code 1, "unacceptable protocol
// version") on 127.0.0.1:PORT, one account, no anonymous access. Prints
// "listening" once it accepts connections; stops on SIGTERM.
import { createServer } from 'node:net';
import Aedes from 'aedes';

const [port, user, password] = process.argv.slice(2);
const aedes = Aedes({
  authenticate(client, username, pw, done) {
    const ok = username === user && pw && pw.toString() === password;
    if (ok) return done(null, true);
    const err = new Error('bad user name or password');
    err.returnCode = 4;
    return done(err, false);
  },
});
const server = createServer(aedes.handle);
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))));
