// memjs (a Node.js client that speaks only memcached's binary protocol) against spoolkv: every operation it
// offers, each answer checked. Usage: node check-memjs.js PORT [USER PASSWORD] (with memjs in NODE_PATH).
// With USER and PASSWORD (a server with spoolkv.auth.enabled), memjs logs in with SASL PLAIN first, and clients
// without credentials or with a wrong password are checked to be refused.
'use strict';
const memjs = require('memjs');
const assert = require('assert');

const [port, username, password] = process.argv.slice(2);
const options = { retries: 0, timeout: 5 };
const client = memjs.Client.create(`127.0.0.1:${port}`, { ...options, username, password });

/** With authentication on: no credentials and a wrong password are refused ("Auth failure.", 0x20). */
async function checkRefusals() {
  for (const creds of [{}, { username, password: `${password}-wrong` }]) {
    const other = memjs.Client.create(`127.0.0.1:${port}`, { ...options, ...creds });
    const start = Date.now();
    try {
      await assert.rejects(other.set('refused', 'x'), JSON.stringify(Object.keys(creds)));
      // refused by the server's answer, not by memjs's 5 s timeout
      assert.ok(Date.now() - start < 2000, `refusal took ${Date.now() - start} ms`);
    } finally {
      other.close();
    }
  }
}

async function main() {
  if (username) {
    await checkRefusals();
  }
  await client.flush();
  assert.strictEqual(await client.set('alpha', 'one', { expires: 0 }), true);
  const got = await client.get('alpha');
  assert.strictEqual(got.value.toString(), 'one');
  assert.strictEqual((await client.get('missing')).value, null);
  assert.strictEqual(await client.add('alpha', 'again'), false);
  assert.strictEqual(await client.add('beta', 'two'), true);
  assert.strictEqual(await client.replace('gamma', 'x'), false);
  assert.strictEqual(await client.replace('beta', 'three'), true);
  assert.strictEqual(await client.append('alpha', '+more'), true);
  // not prepend: memjs 1.3.2's prepend sends the APPEND opcode (0x0e), so it appends (BinaryProtocolIT and
  // BinaryClientsIT check PREPEND)
  assert.strictEqual((await client.get('alpha')).value.toString(), 'one+more');
  // increment creates the counter with its initial value, then adds
  assert.strictEqual((await client.increment('counter', 5, { initial: 10 })).value, 10);
  assert.strictEqual((await client.increment('counter', 5, {})).value, 15);
  assert.strictEqual((await client.decrement('counter', 20, {})).value, 0);
  assert.strictEqual(await client.touch('alpha', 100), true);
  assert.strictEqual(await client.touch('missing', 100), false);
  assert.strictEqual(await client.delete('alpha'), true);
  assert.strictEqual(await client.delete('alpha'), false);
  const big = Buffer.alloc(512 * 1024, 7);
  assert.strictEqual(await client.set('big', big), true);
  assert.ok((await client.get('big')).value.equals(big));
  const stats = await new Promise((resolve, reject) =>
    client.stats((err, server, s) => (err ? reject(err) : resolve(s))));
  assert.ok(Number(stats.cmd_get) > 0 && 'curr_connections' in stats, JSON.stringify(stats));
  assert.ok(stats.version.startsWith('1.6.18'), stats.version);
  const settings = await new Promise((resolve, reject) =>
    client.statsWithKey('settings', (err, server, s) => (err ? reject(err) : resolve(s))));
  assert.ok('item_size_max' in settings, JSON.stringify(settings));
  await client.flush();
  assert.strictEqual((await client.get('beta')).value, null);
  if (username) {
    assert.strictEqual((await client.get('refused')).value, null, 'a refused client stored nothing');
    assert.ok(Number(stats.auth_cmds) > 0 && Number(stats.auth_errors) > 0, JSON.stringify(stats));
  }
  console.log(`memjs: all checks passed${username ? ' (SASL PLAIN)' : ''}`);
}

main().then(() => client.close(), (err) => {
  console.error('memjs check failed:', err);
  client.close();
  process.exit(1);
});
