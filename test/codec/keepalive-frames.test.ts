/**
 * ADDP pings and pongs by type alone (DecoderHandlers.onKeepAlive): no message object per frame,
 * in order with the other frames, whatever the chunking; without the handler they are messages
 * as before; a frame that only looks like one (attributes, bad magic) is decoded as usual.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/codec/decoder.js';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ADDP_PING, ADDP_PONG } from '../../src/protocol/catalogue.js';

const PING = encodeFrame(ADDP_PING, undefined);
const PONG = encodeFrame(ADDP_PONG, undefined);
const EVENT = encodeFrame(53, { ThisDN: '1001' });

function run(bytes: Buffer, chunk: number, withHandler = true): string[] {
  const seen: string[] = [];
  const d = new FrameDecoder({
    onMessage: (m) => seen.push(`message ${m.type}`),
    ...(withHandler ? { onKeepAlive: (type: number) => seen.push(`keep-alive ${type}`) } : {}),
    onError: (e) => seen.push(`error ${e.code}`),
  });
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
  return seen;
}

describe('ADDP frames by type', () => {
  const stream = Buffer.concat([PING, EVENT, PONG, PONG, EVENT, PING]);
  const expected = [
    `keep-alive ${ADDP_PING}`,
    'message 53',
    `keep-alive ${ADDP_PONG}`,
    `keep-alive ${ADDP_PONG}`,
    'message 53',
    `keep-alive ${ADDP_PING}`,
  ];

  it('go to onKeepAlive in stream order, in any chunking', () => {
    for (const chunk of [1, 3, 5, 12, 13, stream.length]) expect(run(stream, chunk), `chunks of ${chunk}`).toEqual(expected);
  });

  it('without onKeepAlive they are messages, as before', () => {
    expect(run(stream, stream.length, false)).toEqual(expected.map((e) => e.replace('keep-alive', 'message')));
  });

  it('a ping-typed frame with attributes, or a bad magic, is not taken for one', () => {
    const withAttribute = encodeFrame(ADDP_PING, { ThisDN: '1' });
    expect(run(withAttribute, 64)).toEqual([`message ${ADDP_PING}`]);
    const badMagic = Buffer.from(PING);
    badMagic[4] = 0x41;
    expect(run(badMagic, 64)).toEqual(['error ERR_BAD_MAGIC']);
  });
});
